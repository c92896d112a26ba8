#include "io/socket_buffers.h"

#include <sys/socket.h>

#include <string>
#include <tuple>

namespace ainet::io {

SysStatus set_socket_buffers(int fd, int bytes) {
  for (auto [force, plain, name] : {std::tuple{SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF"},
                                    std::tuple{SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF"}}) {
    if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) == 0) continue;
    if (setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes) < 0) return sys_error(std::string("setsockopt ") + name);
  }
  return {};
}

}  // namespace ainet::io
