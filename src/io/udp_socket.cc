#include "io/udp_socket.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, since 4.18
#endif
#ifndef UDP_GRO
#define UDP_GRO 104  // linux/udp.h, since 5.0
#endif

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

void UdpSocket::enable_offloads(std::string& why_not) {
  why_not.clear();
  int one = 1;
  if (setsockopt(fd(), SOL_UDP, UDP_GRO, &one, sizeof one) == 0) {
    gro_ = true;
  } else {
    why_not = sys_error("setsockopt UDP_GRO").message();
  }
  // A kernel that knows UDP_SEGMENT answers for it (the socket's default
  // segment size, 0); one that does not says ENOPROTOOPT.
  int seg = 0;
  socklen_t len = sizeof seg;
  if (getsockopt(fd(), SOL_UDP, UDP_SEGMENT, &seg, &len) == 0) {
    gso_.enabled = true;
  } else {
    if (!why_not.empty()) why_not += "; ";
    why_not += sys_error("getsockopt UDP_SEGMENT").message();
  }
}

SysResult<SocketAddress> UdpSocket::local_address() const {
  SocketAddress a;
  socklen_t len = SocketAddress::capacity();
  if (getsockname(fd(), a.sa(), &len) < 0) return sys_error("getsockname");
  return a;
}

}  // namespace ainet::io
