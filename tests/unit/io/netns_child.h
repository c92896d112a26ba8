// Runs a test body in a forked child inside a fresh network namespace
// (unshare(CLONE_NEWNET)), so TUN devices and raw sockets never touch the
// host's network. The child reports through its exit status; a failing check
// prints what failed on stderr.
#pragma once
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>

namespace ainet::io::testing {

constexpr int kChildSkip = 77;

// In the child: fail with a message and a distinct exit code.
#define CHILD_CHECK(cond)                                                           \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return __LINE__ % 250 + 1;                                                    \
    }                                                                               \
  } while (0)

// Same, inside a lambda returning void (e.g. a packet callback): records the
// failure in `child_failed_line`, which the body then returns.
inline int child_failed_line = 0;
#define CHILD_CHECK_VOID(cond)                                                      \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ::ainet::io::testing::child_failed_line = __LINE__ % 250 + 1;                 \
      return;                                                                       \
    }                                                                               \
  } while (0)

// Brings up the loopback interface of the current (new) namespace.
inline bool loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  ::close(s);
  return ok;
}

// Returns the child's exit status: 0 = pass, kChildSkip = cannot make a namespace.
inline int run_in_new_netns(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(kChildSkip);
    if (!loopback_up()) _exit(kChildSkip);
    const int rc = body();
    _exit(rc != 0 ? rc : child_failed_line);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define RUN_IN_NETNS(...)                                                          \
  do {                                                                             \
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespace)";          \
    int rc_ = ::ainet::io::testing::run_in_new_netns(__VA_ARGS__);                     \
    if (rc_ == ::ainet::io::testing::kChildSkip) GTEST_SKIP() << "unshare failed"; \
    ASSERT_EQ(rc_, 0) << "child check failed (see stderr)";                        \
  } while (0)

}  // namespace ainet::io::testing
