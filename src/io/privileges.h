// Dropping privileges once a daemon has opened what needs them.
//
// aind and ain-endpoint need root (or CAP_NET_ADMIN / CAP_NET_RAW) only at
// start: raw IP sockets (protocols 50/51, CAP_NET_RAW), the TUN device and its
// MTU/flags, forced socket buffer sizes (SO_RCVBUFFORCE, CAP_NET_ADMIN), a
// metrics port below 1024 (CAP_NET_BIND_SERVICE), and for the endpoint the
// `ip` commands of its link set-up. Raw sockets and the TUN check the
// capability when they are opened, not on every send, so once everything is
// open the process needs no capability at all; neither program re-configures
// an interface or opens a socket later (SIGHUP reloads only aind's
// directory, a file). So drop_privileges() removes every capability:
//   1. the bounding set (when CAP_SETPCAP is held), so none can come back;
//   2. the ambient set;
//   3. optionally switches to a configured user (setgroups, setresgid,
//      setresuid; the kernel clears the capabilities of a non-root uid);
//   4. the effective, permitted and inheritable sets, also when still uid 0;
//   5. PR_SET_NO_NEW_PRIVS, so no execve can gain privileges again;
// and then checks that the effective and permitted sets are empty.
//
// Capabilities are per thread on Linux: call it before any other thread
// starts (aind starts the metrics server's thread afterwards).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "io/sys_result.h"

namespace ainet::io {

struct RunAsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The user `name` (getpwnam_r): its uid and primary group. Not found is an
// error naming the user (errno ENOENT).
SysResult<RunAsUser> lookup_user(const std::string& name);

// What was done, for the daemon's start-up log line.
struct DropReport {
  bool bounding_cleared = false;  // false: no CAP_SETPCAP (e.g. under systemd's bounding set)
  std::optional<RunAsUser> user;
};

SysResult<DropReport> drop_privileges(const std::optional<RunAsUser>& user);

// The calling thread's capability sets as /proc/self/status shows them
// (hex masks); for logs and tests.
struct CapabilitySets {
  uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
};
std::optional<CapabilitySets> read_capability_sets(
    const std::string& status_path = "/proc/thread-self/status");

}  // namespace ainet::io
