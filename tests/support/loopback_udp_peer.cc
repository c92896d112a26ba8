#include "support/loopback_udp_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ainet::test {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

LoopbackUdpPeer::LoopbackUdpPeer(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in a = loopback(port);
  if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

LoopbackUdpPeer::~LoopbackUdpPeer() {
  if (fd_ >= 0) ::close(fd_);
}

bool LoopbackUdpPeer::send(ByteSpan payload, uint16_t port) const {
  const sockaddr_in a = loopback(port);
  return ::sendto(fd_, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                  sizeof a) == static_cast<ssize_t>(payload.size());
}

std::optional<Bytes> LoopbackUdpPeer::receive(int timeout_ms) const {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
  Bytes buf(65536);
  const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

}  // namespace ainet::test
