// ControlClient: the ainctl end of the control socket (docs/control.md).
// Blocking, one request at a time.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/control_protocol.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"

namespace ainet::daemon {

inline constexpr const char* kDefaultControlSocket = "/run/ainet/aind.sock";

class ControlClient {
 public:
  static io::SysResult<ControlClient> connect(const std::string& path);
  ControlClient() = default;
  explicit ControlClient(io::UniqueFd fd) : fd_(std::move(fd)) {}

  // Sends one request and waits up to timeout_ms for its response. Transport
  // failures come back as ok=false with error_code "io" or "timeout".
  ControlReply call(std::string_view cmd, const nlohmann::json& args = nullptr, int timeout_ms = 5000);

 private:
  io::UniqueFd fd_;
  std::string buffered_;  // bytes after the last response line
  uint64_t next_id_ = 1;
};

}  // namespace ainet::daemon
