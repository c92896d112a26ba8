// GRO-like coalescing for writes to a TUN opened with IFF_VNET_HDR
// (io/virtio_net_hdr.h): consecutive in-order TCP segments of one flow, as
// they come out of the cells, are joined into ONE super-packet that the
// kernel takes with one write(2) and one trip through its stack (it
// resegments only if it forwards the packet on, e.g. at the exit's NAT).
// The reverse of io/tcp_segmentation.h; no system calls, no allocation (the
// super-packet is built in a buffer the caller owns).
//
// What may join (the same rules as the kernel's tcp_gro_receive, kept
// conservative): IPv4 without options and not a fragment, or IPv6 with TCP as
// the first next header; lengths that match the buffer; valid IPv4 header and
// TCP checksums (a packet with a bad checksum is left alone, so the kernel
// still drops and counts it: the super-packet's checksum is only partial and
// would hide it); ACK set and no control flag but PSH; a payload; and for a
// follower, the same headers as the first except the lengths, the IPv4 ID
// (which must be the next one unless DF is set: RFC 6864 §4.1 gives atomic
// datagrams' IDs no meaning), the sequence number (which must be the next
// byte), PSH and the checksums; a payload no longer than the first's. A
// shorter segment or one with PSH ends the super-packet.
#pragma once
#include <cstddef>
#include <cstdint>

#include "io/virtio_net_hdr.h"
#include "util/bytes.h"

namespace ainet::io {

// Segments per super-packet at most (the kernel's GRO keeps to 64 too).
constexpr size_t kCoalesceMaxSegments = 64;

class TcpCoalescer {
 public:
  // `out` receives the virtio header and the super-packet; it should hold
  // kVirtioNetHdrSize + 65535 bytes (a smaller one just ends runs earlier).
  explicit TcpCoalescer(MutByteSpan out) : out_(out) {}

  // Starts a new super-packet with `pkt` (forgetting any unfinished one).
  // False if pkt cannot take part in coalescing: the caller writes it alone
  // (with a zero virtio header).
  bool start(ByteSpan pkt);
  // Appends `pkt` if it continues the current super-packet; false otherwise
  // (nothing changed: the caller finishes the current one and starts anew).
  bool append(ByteSpan pkt);
  bool active() const { return segments_ != 0; }
  size_t segments() const { return segments_; }

  // Completes the super-packet and returns the bytes for one TUN write: the
  // virtio header then the IP packet. A single segment goes out unchanged with
  // a zero header; more get GSO TCPV4/TCPV6 with gso_size = the first
  // payload, the lengths (and IPv4 header checksum) fixed, PSH if the last had
  // it, and a partial TCP checksum (NEEDS_CSUM, virtio spec 1.2 §5.1.6.2).
  // Ends the run (active() is false afterwards).
  ByteSpan finish();

 private:
  MutByteSpan out_;
  size_t segments_ = 0;
  size_t len_ = 0;       // IP bytes so far in out_ after the virtio header
  size_t ip_len_ = 0;    // IP header bytes
  size_t hdr_len_ = 0;   // IP + TCP header bytes
  size_t gso_size_ = 0;  // the first segment's payload
  uint32_t next_seq_ = 0;
  uint16_t next_id_ = 0;
  bool v4_ = false;
  bool closed_ = false;  // a short or PSH segment came: nothing may follow
};

}  // namespace ainet::io
