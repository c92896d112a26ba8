#include "daemon/control_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "daemon/control_protocol.h"

namespace ainet::daemon {

ControlServer::ControlServer(io::EventLoop& loop, ControlHandler& handler)
    : ControlServer(loop, [&handler](std::string_view line) { return dispatch_control_line(handler, line); }) {}

ControlServer::ControlServer(io::EventLoop& loop, LineDispatch dispatch)
    : loop_(loop), dispatch_(std::move(dispatch)) {}

ControlServer::~ControlServer() {
  for (auto& [fd, c] : conns_) loop_.remove(fd);
  if (listen_fd_) {
    loop_.remove(listen_fd_.get());
    ::unlink(path_.c_str());
  }
}

io::SysStatus ControlServer::listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return io::sys_error("control socket " + path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  io::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return io::sys_error("socket(unix)");
  ::unlink(path.c_str());  // a socket left by a daemon that died
  // Created 0600 from the start (umask), not chmod'ed after: no window in which
  // another user could connect.
  const mode_t old = ::umask(0177);
  const int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc < 0) return io::sys_error("bind " + path);
  if (::listen(fd.get(), 16) < 0) return io::sys_error("listen " + path);
  io::SysStatus st = loop_.add(fd.get(), EPOLLIN, [this](uint32_t) { on_accept(); });
  if (!st) return st;
  listen_fd_ = std::move(fd);
  path_ = path;
  return {};
}

void ControlServer::on_accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a client that vanished: nothing to do
    adopt(io::UniqueFd(fd));
  }
}

void ControlServer::adopt(io::UniqueFd conn) {
  const int fd = conn.get();
  // The server reads until EAGAIN: a blocking socket would stall the loop.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return;
  auto c = std::make_unique<Connection>();
  c->fd = std::move(conn);
  io::SysStatus st = loop_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t ev) { on_event(fd, ev); });
  if (!st) return;  // c goes away and closes the fd
  conns_[fd] = std::move(c);
}

void ControlServer::on_event(int fd, uint32_t events) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (events & EPOLLOUT) {
    flush(*it->second);
    it = conns_.find(fd);  // flush may have closed it
    if (it == conns_.end()) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_requests(*it->second);
}

void ControlServer::read_requests(Connection& c) {
  const int fd = c.fd.get();
  char buf[4096];
  bool eof = false;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (!c.closing) c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) eof = true;
    else if (errno == EINTR) continue;
    else if (errno != EAGAIN && errno != EWOULDBLOCK) eof = true;
    break;
  }
  size_t start = 0;
  bool overlong = false;
  for (size_t nl; !c.closing && (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(c.in.data() + start, nl - start);
    if (line.size() > kMaxControlRequest) {
      overlong = true;
      break;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    c.out += dispatch_(line);
    c.out += '\n';
  }
  c.in.erase(0, start);
  if (!c.closing && (overlong || c.in.size() > kMaxControlRequest)) {
    c.out += control_error_line(nullptr, "too_long", "request longer than 65536 bytes");
    c.out += '\n';
    c.in.clear();
    c.closing = true;
  }
  if (eof) {
    // The peer is gone (or half-closed): answer what it asked, then close.
    c.closing = true;
  }
  flush(c);
}

void ControlServer::flush(Connection& c) {
  const int fd = c.fd.get();
  while (!c.out.empty()) {
    ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);  // no SIGPIPE
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A closing connection no longer reads: waiting on RDHUP would spin.
      (void)loop_.modify(fd, c.closing ? EPOLLOUT : (EPOLLIN | EPOLLRDHUP | EPOLLOUT));
      return;
    }
    close_connection(fd);  // peer gone
    return;
  }
  if (c.closing) {
    close_connection(fd);
    return;
  }
  (void)loop_.modify(fd, EPOLLIN | EPOLLRDHUP);
}

void ControlServer::close_connection(int fd) {
  loop_.remove(fd);
  conns_.erase(fd);  // closes the fd
}

}  // namespace ainet::daemon
