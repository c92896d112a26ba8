// UdpSocket: the **udp** carrier (DESIGN.md "Two carriers"): RFC 3948 UDP
// encapsulation of ESP on port 4500, IPv4 or IPv6, with batched
// recvmmsg/sendmmsg over a preallocated PacketBatch (no allocation per packet).
// One socket per address family; the IPv6 socket is IPV6_V6ONLY so both can
// bind the same port.
#pragma once
#include <cstdint>
#include <string>

#include "io/batch_syscalls.h"
#include "io/packet_batch.h"
#include "io/socket_address.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"

namespace ainet::io {

// RFC 3948 §3.1 / RFC 7296 §2.23: the IKE NAT-T port that also carries ESP.
constexpr uint16_t kUdpEncapPort = 4500;

class UdpSocket {
 public:
  // Non-blocking socket bound to `local` (port 0 = any free port). Asks the
  // kernel for the arrival address of each datagram (IP_PKTINFO /
  // IPV6_RECVPKTINFO) so replies can leave from the address a peer used.
  static SysResult<UdpSocket> bind(const SocketAddress& local);

  int fd() const { return fd_.get(); }
  int family() const { return family_; }
  // The bound address, with the port the kernel chose when asked for 0.
  SysResult<SocketAddress> local_address() const;

  // Turns on UDP GRO on receive and UDP GSO on send (io/udp_offload.h) as
  // far as the kernel allows; what it refuses stays off, with the reason in
  // `why_not` (a kernel before 4.18 / 5.0). With GRO on, receive into a
  // batch of kGroBufferSize slots: a slot may hold several datagrams.
  void enable_offloads(std::string& why_not);
  bool gro() const { return gro_; }
  // GSO on: may turn itself off at a send the kernel refuses (see
  // send_batch_gso); gso_state().refused counts that.
  bool gso() const { return gso_.enabled; }
  const GsoState& gso_state() const { return gso_; }

  // Receives what is waiting (up to batch.capacity()); zero when nothing.
  SysResult<BatchCounts> recv(PacketBatch& batch) { return recv_batch(fd(), batch, 0, gro_); }
  // Sends batch packets [0, size()) to their peer addresses.
  SysResult<BatchCounts> send(PacketBatch& batch) { return send_batch_gso(fd(), batch, gso_); }

 private:
  UniqueFd fd_;
  int family_ = 0;
  bool gro_ = false;
  GsoState gso_;
};

}  // namespace ainet::io
