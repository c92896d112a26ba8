#include "io/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

namespace ainet::io {

SysResult<UdpSocket> UdpSocket::bind(const SocketAddress& local) {
  if (local.empty()) return sys_error("udp bind: no address", EINVAL);
  UdpSocket s;
  s.family_ = local.family();
  s.fd_.reset(::socket(s.family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!s.fd_) return sys_error("socket(udp)");
  int one = 1;
  if (s.family_ == AF_INET6) {
    if (setsockopt(s.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
      return sys_error("setsockopt IPV6_V6ONLY");
    if (setsockopt(s.fd(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0)
      return sys_error("setsockopt IPV6_RECVPKTINFO");
  } else {
    if (setsockopt(s.fd(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0)
      return sys_error("setsockopt IP_PKTINFO");
  }
  if (::bind(s.fd(), local.sa(), local.length()) < 0) return sys_error("bind " + local.to_string());
  return s;
}

SysResult<SocketAddress> UdpSocket::local_address() const {
  SocketAddress a;
  socklen_t len = SocketAddress::capacity();
  if (getsockname(fd(), a.sa(), &len) < 0) return sys_error("getsockname");
  return a;
}

}  // namespace ainet::io
