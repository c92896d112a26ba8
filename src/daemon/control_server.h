// ControlServer: the daemon end of the control socket (docs/control.md).
// A Unix stream socket; each connection sends request lines and gets response
// lines in order. It runs inside the daemon's EventLoop (no threads) and
// dispatches every request to a ControlHandler (aind), or to any other
// request-line -> response-line function (ain-endpoint, src/endpoint).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/control_handler.h"
#include "io/event_loop.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"

namespace ainet::daemon {

class ControlServer {
 public:
  // Answers one request line (without '\n') with one response line (without
  // '\n'); never throws (docs/control.md "Framing").
  using LineDispatch = std::function<std::string(std::string_view)>;

  // aind: requests go to dispatch_control_line(handler, line).
  ControlServer(io::EventLoop& loop, ControlHandler& handler);
  ControlServer(io::EventLoop& loop, LineDispatch dispatch);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens on `path`: a stale socket file there is replaced, and the socket
  // is made mode 0600 (only root may steer the daemon).
  io::SysStatus listen(const std::string& path);
  // Serves an already connected stream socket (tests use a socketpair).
  void adopt(io::UniqueFd conn);
  size_t connections() const { return conns_.size(); }

 private:
  struct Connection {
    io::UniqueFd fd;
    std::string in;
    std::string out;
    bool closing = false;  // close once `out` is flushed
  };
  void on_accept();
  void on_event(int fd, uint32_t events);
  void read_requests(Connection& c);
  void flush(Connection& c);
  void close_connection(int fd);

  io::EventLoop& loop_;
  LineDispatch dispatch_;
  io::UniqueFd listen_fd_;
  std::string path_;
  std::unordered_map<int, std::unique_ptr<Connection>> conns_;
};

}  // namespace ainet::daemon
