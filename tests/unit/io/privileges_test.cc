// drop_privileges(): afterwards the process holds no capability (effective,
// permitted, inheritable, ambient; bounding too when it held CAP_SETPCAP),
// has no_new_privs, and with a user cannot become root again. Each case runs
// in a forked child, so the test binary keeps its own privileges.
#include "io/privileges.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>

namespace ainet::io {
namespace {

// Runs `body` in a child; returns its exit status (0 = every check held).
int in_child(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) _exit(body());
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string status_field(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.compare(0, k.size(), k) == 0) {
      const size_t v = line.find_first_not_of(" \t", k.size());
      return v == std::string::npos ? "" : line.substr(v);
    }
  return "";
}

#define CHECK_OR(code, cond)                                                   \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return code;                                                             \
    }                                                                          \
  } while (0)

TEST(Privileges, ReadsTheCapabilitySetsOfThisThread) {
  auto s = read_capability_sets();
  ASSERT_TRUE(s.has_value());
  // Root in this test runner holds capabilities; anyone else holds none.
  if (geteuid() == 0) {
    EXPECT_NE(s->effective, 0u);
  }
  EXPECT_FALSE(read_capability_sets("/nonexistent/status").has_value());
}

TEST(Privileges, DropLeavesNoCapabilityAndNoNewPrivs) {
  const bool root = geteuid() == 0;
  const int rc = in_child([root] {
    // Negative control: as root the child starts with capabilities.
    auto before = read_capability_sets();
    CHECK_OR(2, before.has_value());
    if (root) CHECK_OR(3, before->effective != 0 && before->permitted != 0);
    auto r = drop_privileges(std::nullopt);
    if (!r) fprintf(stderr, "%s\n", r.error().message().c_str());
    CHECK_OR(4, r.ok());
    auto after = read_capability_sets();
    CHECK_OR(5, after.has_value());
    CHECK_OR(6, after->effective == 0 && after->permitted == 0 && after->inheritable == 0 &&
                    after->ambient == 0);
    if (r->bounding_cleared) CHECK_OR(7, after->bounding == 0);
    if (root) CHECK_OR(8, r->bounding_cleared);  // a root test runner holds CAP_SETPCAP
    CHECK_OR(9, status_field("NoNewPrivs") == "1");
    CHECK_OR(10, status_field("CapEff") == "0000000000000000");
    // What the capabilities were for is refused now: a raw socket.
    if (root) CHECK_OR(11, ::socket(AF_INET, SOCK_RAW, 50) < 0 && errno == EPERM);
    return 0;
  });
  EXPECT_EQ(rc, 0) << "see stderr";
}

// A socket opened before the drop keeps working after it (what aind relies on).
TEST(Privileges, SocketsOpenedBeforeTheDropStillWork) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (raw socket)";
  const int rc = in_child([] {
    const int raw = ::socket(AF_INET, SOCK_RAW, 253);  // RFC 3692 experimental protocol
    CHECK_OR(2, raw >= 0);
    CHECK_OR(3, drop_privileges(std::nullopt).ok());
    sockaddr_in lo{};
    lo.sin_family = AF_INET;
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char payload[4] = {1, 2, 3, 4};
    CHECK_OR(4, ::sendto(raw, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&lo),
                         sizeof lo) == 4);
    return 0;
  });
  EXPECT_EQ(rc, 0) << "see stderr";
}

TEST(Privileges, SwitchingUserCannotGoBackToRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto nobody = lookup_user("nobody");
  if (!nobody) GTEST_SKIP() << "no user nobody";
  const int rc = in_child([&] {
    auto r = drop_privileges(*nobody);
    if (!r) fprintf(stderr, "%s\n", r.error().message().c_str());
    CHECK_OR(2, r.ok() && r->user && r->user->uid == nobody->uid);
    CHECK_OR(3, getuid() == nobody->uid && geteuid() == nobody->uid && getgid() == nobody->gid);
    CHECK_OR(4, setuid(0) != 0);
    auto after = read_capability_sets();
    CHECK_OR(5, after && after->effective == 0 && after->permitted == 0 && after->bounding == 0);
    gid_t groups[4];
    CHECK_OR(6, getgroups(4, groups) == 1 && groups[0] == nobody->gid);
    return 0;
  });
  EXPECT_EQ(rc, 0) << "see stderr";
}

TEST(Privileges, UnknownUserIsNamed) {
  auto u = lookup_user("ainet-no-such-user");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, ENOENT);
  EXPECT_NE(u.error().message().find("ainet-no-such-user"), std::string::npos);
}

}  // namespace
}  // namespace ainet::io
