// RawIpSocket: the **ip** carrier (DESIGN.md "Two carriers"): true IPsec on
// the wire, IP protocol 50 (ESP, RFC 4303) or 51 (AH, RFC 4302), IPv4 or IPv6.
// Needs CAP_NET_RAW. One socket per (family, protocol): a raw socket receives
// every packet of its protocol addressed to this host.
//
// Both families look the same to the caller: every packet given to send() and
// returned by recv() is a complete IP packet, header included, so the engine
// always computes and checks the AH ICV over real header bytes.
//
// IPv4: IP_HDRINCL, so the engine's header goes out byte-exact. (Linux still
//   fills in the header checksum and total length, which the engine already
//   set correctly, and the ID only if it is zero; raw(7).) Received packets
//   include the IPv4 header as it arrived.
// IPv6: the kernel always builds the IPv6 header of a raw socket (RFC 3542
//   §3: no IPV6_HDRINCL for payloads other than IPPROTO_RAW). So:
//   - send: the 40-byte header the engine built is stripped, and the kernel
//     is told to build the same one: destination = the packet's destination,
//     source via IPV6_PKTINFO, hop limit via IPV6_HOPLIMIT, traffic class via
//     IPV6_TCLASS; next header is the socket's protocol and payload length is
//     the rest of the packet, both equal to the engine's header (checked).
//     The flow label is the kernel's choice. AH covers exactly these values:
//     RFC 4302 §3.3.3.1.2.1 makes traffic class, flow label and hop limit
//     mutable, zeroed for the ICV, so the packet on the wire verifies.
//   - recv: the kernel strips the IPv6 header, so it is rebuilt in front of
//     the payload from the arrival metadata: source = sender, destination =
//     IPV6_PKTINFO, hop limit / traffic class from ancillary data, flow label
//     0 (mutable), next header = protocol, payload length = payload size.
//     Extension headers before AH are not seen by a raw socket; a packet that
//     had them fails the ICV and is dropped and counted (we never send any).
#pragma once
#include <cstdint>

#include "io/batch_syscalls.h"
#include "io/packet_batch.h"
#include "io/socket_address.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"

namespace ainet::io {

constexpr uint8_t kIpProtoEsp = 50;  // RFC 4303 §2
constexpr uint8_t kIpProtoAh = 51;   // RFC 4302 §2
constexpr size_t kIpv6HeaderSize = 40;  // RFC 8200 §3

class RawIpSocket {
 public:
  // family AF_INET or AF_INET6; protocol 50 or 51 (any IP protocol works).
  static SysResult<RawIpSocket> open(int family, uint8_t protocol);

  // Optional: receive only packets addressed to `local`.
  SysStatus bind(const SocketAddress& local);

  int fd() const { return fd_.get(); }
  int family() const { return family_; }
  uint8_t protocol() const { return protocol_; }

  // Receives complete IP packets (see above); peer(i) is the sender.
  SysResult<BatchCounts> recv(PacketBatch& batch);
  // Sends complete IP packets [0, size()) to the destination in each packet's
  // own header (peer(i) is overwritten with it). A packet that is
  // not an IP packet of this socket's family and protocol, or whose length
  // field disagrees with its size, is dropped and counted. The batch's
  // slots may be reordered (bad packets are moved to the end).
  SysResult<BatchCounts> send(PacketBatch& batch);

 private:
  UniqueFd fd_;
  int family_ = 0;
  uint8_t protocol_ = 0;
};

}  // namespace ainet::io
