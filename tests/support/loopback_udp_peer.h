// A plain UDP socket bound to 127.0.0.1:port, playing a peer of aind's udp
// carrier (RFC 3948, port 4500) in tests: a customer behind a NAT, a forger,
// a replayer. Used by the daemon tests that run in their own network
// namespace (tests/unit/io/netns_child.h).
#pragma once
#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace ainet::test {

class LoopbackUdpPeer {
 public:
  explicit LoopbackUdpPeer(uint16_t port);
  ~LoopbackUdpPeer();
  LoopbackUdpPeer(const LoopbackUdpPeer&) = delete;
  LoopbackUdpPeer& operator=(const LoopbackUdpPeer&) = delete;

  // False if the socket could not be bound.
  bool ok() const { return fd_ >= 0; }
  // Sends one datagram to 127.0.0.1:port (by default aind's 4500).
  bool send(ByteSpan payload, uint16_t port = 4500) const;
  // The datagram waiting here within timeout_ms, or nullopt.
  std::optional<Bytes> receive(int timeout_ms = 200) const;

 private:
  int fd_ = -1;
};

}  // namespace ainet::test
