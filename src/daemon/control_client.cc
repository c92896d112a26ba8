#include "daemon/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "io/clock.h"

namespace ainet::daemon {

io::SysResult<ControlClient> ControlClient::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return io::sys_error("connect " + path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  io::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return io::sys_error("socket(unix)");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return io::sys_error("connect " + path);
  return ControlClient(std::move(fd));
}

namespace {
ControlReply transport_error(std::string code, std::string message) {
  ControlReply r;
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}
}  // namespace

ControlReply ControlClient::call(std::string_view cmd, const nlohmann::json& args, int timeout_ms) {
  const uint64_t id = next_id_++;
  std::string req = make_control_request(id, cmd, args);
  req += '\n';
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::send(fd_.get(), req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return transport_error("io", io::sys_error("send").message());
    off += static_cast<size_t>(n);
  }
  const Time deadline = io::monotonic_now() + Duration::ms(timeout_ms);
  for (;;) {
    if (size_t nl = buffered_.find('\n'); nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      ControlReply r = parse_control_response(line);
      // Responses come in request order; one for an older request (a timed
      // out call) is skipped.
      if (r.error_code != "bad_response" && r.id.is_number_unsigned() && r.id.get<uint64_t>() < id)
        continue;
      return r;
    }
    const int64_t left_ms = (deadline - io::monotonic_now()).ns / 1'000'000;
    if (left_ms <= 0) return transport_error("timeout", "no response from aind");
    pollfd p{fd_.get(), POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left_ms));
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) return transport_error("io", io::sys_error("poll").message());
    if (pr == 0) continue;
    char buf[8192];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return transport_error("io", io::sys_error("recv").message());
    if (n == 0) return transport_error("io", "aind closed the connection");
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace ainet::daemon
