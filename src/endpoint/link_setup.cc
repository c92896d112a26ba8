#include "endpoint/link_setup.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ainet::endpoint {
namespace {

// The inner address of the prefix's family, used as the route's preferred
// source so the host's stack picks the configured inner address (option 1:
// the random private one, option 2: the real one) for traffic into the TUN.
const wire::IpAddress* source_for(const EndpointConfig& c, const wire::IpPrefix& p) {
  for (const auto& a : c.inner_addresses)
    if (a.family() == p.address().family()) return &a;
  return nullptr;
}

}  // namespace

std::vector<std::vector<std::string>> link_setup_commands(const EndpointConfig& c, const std::string& tun) {
  std::vector<std::vector<std::string>> cmds;
  // No IPv6 link-local address on the TUN: with one, the kernel sends router
  // solicitations and MLD reports into the tunnel, link-scoped chatter that
  // says something about this host and has no place on an ANT.
  cmds.push_back({"link", "set", "dev", tun, "addrgenmode", "none"});
  cmds.push_back({"link", "set", "dev", tun, "mtu", std::to_string(c.tun_mtu), "up"});
  if (c.anonymity_option == 1) {
    for (const auto& a : c.inner_addresses) {
      if (a.is_v4()) {
        cmds.push_back({"addr", "replace", a.to_string() + "/32", "dev", tun});
      } else {
        // nodad: the address is ours alone; duplicate address detection would
        // hold it "tentative" (unusable as a source) for a second or more.
        cmds.push_back({"-6", "addr", "replace", a.to_string() + "/128", "dev", tun, "nodad"});
      }
    }
  }
  for (const auto& p : c.routes) {
    std::vector<std::string> r;
    if (p.address().is_v6()) r.push_back("-6");
    for (const char* s : {"route", "replace"}) r.push_back(s);
    r.push_back(p.to_string());
    r.push_back("dev");
    r.push_back(tun);
    if (const wire::IpAddress* src = source_for(c, p)) {
      r.push_back("src");
      r.push_back(src->to_string());
    }
    cmds.push_back(std::move(r));
  }
  return cmds;
}

bool run_ip(const std::vector<std::string>& args, std::string& error) {
  std::vector<char*> argv;
  std::string ip = "ip";
  argv.push_back(ip.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string line = "ip";
  for (const auto& a : args) line += " " + a;

  const pid_t pid = fork();
  if (pid < 0) {
    error = line + ": fork: " + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    execvp("ip", argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      error = line + ": waitpid: " + std::strerror(errno);
      return false;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (WIFEXITED(status))
    error = line + ": exit status " + std::to_string(WEXITSTATUS(status)) +
            (WEXITSTATUS(status) == 127 ? " (is iproute2 installed?)" : "");
  else
    error = line + ": killed by signal " + std::to_string(WTERMSIG(status));
  return false;
}

}  // namespace ainet::endpoint
