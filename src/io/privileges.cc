#include "io/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <vector>

namespace ainet::io {
namespace {

// libcap objects are freed with cap_free.
struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};

bool has_effective(cap_value_t cap) {
  std::unique_ptr<_cap_struct, CapFree> c(cap_get_proc());
  if (!c) return false;
  cap_flag_value_t v = CAP_CLEAR;
  return cap_get_flag(c.get(), cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

}  // namespace

SysResult<RunAsUser> lookup_user(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) return sys_error("getpwnam " + name, rc);
  if (!found) return sys_error("user " + name + " (no such user)", ENOENT);
  return RunAsUser{name, found->pw_uid, found->pw_gid};
}

SysResult<DropReport> drop_privileges(const std::optional<RunAsUser>& user) {
  DropReport report;
  // 1. The bounding set: without CAP_SETPCAP (systemd's CapabilityBoundingSet
  // without it) it cannot be changed; the empty permitted set and
  // no_new_privs below still keep every capability out of reach.
  if (has_effective(CAP_SETPCAP)) {
    for (cap_value_t c = 0; c <= static_cast<cap_value_t>(cap_max_bits()) - 1; ++c)
      if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0)
        return sys_error("drop bounding capability " + std::to_string(c));
    report.bounding_cleared = true;
  }
  // 2. Ambient capabilities (kernel >= 4.3; EINVAL on older kernels means none).
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return sys_error("prctl PR_CAP_AMBIENT_CLEAR_ALL");
  // 3. Another user: groups first, while CAP_SETGID is still held.
  if (user) {
    const gid_t g = user->gid;
    if (::setgroups(1, &g) != 0) return sys_error("setgroups " + std::to_string(g));
    if (::setresgid(g, g, g) != 0) return sys_error("setresgid " + std::to_string(g));
    if (::setresuid(user->uid, user->uid, user->uid) != 0)
      return sys_error("setresuid " + std::to_string(user->uid));
    // No way back: a process that could regain uid 0 has not dropped it.
    if (user->uid != 0 && ::setresuid(0, 0, 0) == 0)
      return sys_error("setresuid(0) still succeeds after the switch", EPERM);
    report.user = user;
  }
  // 4. Every capability of this thread, also when we stay uid 0.
  std::unique_ptr<_cap_struct, CapFree> empty(cap_init());
  if (!empty) return sys_error("cap_init");
  if (cap_set_proc(empty.get()) != 0) return sys_error("cap_set_proc (clear all capabilities)");
  // 5. No execve can grant privileges from here on (setuid files, file caps).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_error("prctl PR_SET_NO_NEW_PRIVS");

  std::unique_ptr<_cap_struct, CapFree> now(cap_get_proc());
  if (!now || cap_compare(now.get(), empty.get()) != 0)
    return sys_error("capabilities still held after dropping them", EPERM);
  return report;
}

std::optional<CapabilitySets> read_capability_sets(const std::string& status_path) {
  std::ifstream f(status_path);
  if (!f) return std::nullopt;
  CapabilitySets s;
  int seen = 0;
  std::string line;
  while (std::getline(f, line)) {
    auto take = [&](const char* key, uint64_t& out) {
      const std::string k = std::string(key) + ":";
      if (line.compare(0, k.size(), k) != 0) return;
      out = std::stoull(line.substr(k.size()), nullptr, 16);
      ++seen;
    };
    take("CapInh", s.inheritable);
    take("CapPrm", s.permitted);
    take("CapEff", s.effective);
    take("CapBnd", s.bounding);
    take("CapAmb", s.ambient);
  }
  if (seen < 4) return std::nullopt;  // CapAmb is missing on kernels before 4.3
  return s;
}

}  // namespace ainet::io
