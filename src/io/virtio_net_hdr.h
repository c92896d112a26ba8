// The virtio-net header a TUN opened with IFF_VNET_HDR puts before every
// packet it reads and expects before every packet written to it
// (linux/virtio_net.h, struct virtio_net_hdr; virtio spec 1.2 §5.1.6). With
// TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) the kernel then hands
// over TCP "super-packets" of up to 64 KB that still need segmenting
// (gso_type != NONE) and packets whose TCP/UDP checksum is only partial
// (VIRTIO_NET_HDR_F_NEEDS_CSUM). Here: parsing, validating and writing the
// header, no system calls (io/tcp_segmentation.h does the segmenting).
//
// Byte order: a legacy (non-VERSION_1) virtio header, which is what TUN uses
// unless TUNSETVNETLE/BE is set, is in the host's byte order
// (drivers/net/tun.c tun16_to_cpu). ainet never sets those ioctls.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::io {

// sizeof(struct virtio_net_hdr): the TUN default (TUNSETVNETHDRSZ unset).
constexpr size_t kVirtioNetHdrSize = 10;

// Values of linux/virtio_net.h (virtio spec 1.2 §5.1.6), repeated here: that
// header does not compile as C++ (a struct member named `class`).
constexpr uint8_t kVnetFlagNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kVnetFlagDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
constexpr uint8_t kVnetGsoNone = 0;        // VIRTIO_NET_HDR_GSO_NONE
constexpr uint8_t kVnetGsoTcpV4 = 1;       // VIRTIO_NET_HDR_GSO_TCPV4
constexpr uint8_t kVnetGsoUdp = 3;         // VIRTIO_NET_HDR_GSO_UDP (UFO)
constexpr uint8_t kVnetGsoTcpV6 = 4;       // VIRTIO_NET_HDR_GSO_TCPV6
constexpr uint8_t kVnetGsoUdpL4 = 5;       // VIRTIO_NET_HDR_GSO_UDP_L4 (USO)
constexpr uint8_t kVnetGsoEcn = 0x80;      // VIRTIO_NET_HDR_GSO_ECN: the CWR bit is in use

struct VirtioNetHdr {
  uint8_t flags = 0;
  uint8_t gso_type = kVnetGsoNone;  // with the ECN bit, as on the wire
  uint16_t hdr_len = 0;             // bytes of IP + TCP headers (a hint: kernels differ)
  uint16_t gso_size = 0;            // payload bytes per segment (the MSS) when gso_type != NONE
  uint16_t csum_start = 0;          // offset of the L4 header from the start of the IP packet
  uint16_t csum_offset = 0;         // offset of the checksum field from csum_start

  uint8_t gso_kind() const { return static_cast<uint8_t>(gso_type & ~kVnetGsoEcn); }
  bool is_gso() const { return gso_kind() != kVnetGsoNone; }
  bool needs_csum() const { return (flags & kVnetFlagNeedsCsum) != 0; }
};

// Reads the header at the start of `buf` (what a read(2) from the TUN
// returned). Errc::truncated if shorter than kVirtioNetHdrSize. Only the
// encoding is read here; validate_virtio_net_hdr checks it against the packet.
Result<VirtioNetHdr> parse_virtio_net_hdr(ByteSpan buf);

// Writes the header into the first kVirtioNetHdrSize bytes of `out`
// (Errc::buffer_too_small if shorter).
Status write_virtio_net_hdr(const VirtioNetHdr& h, MutByteSpan out);

// Checks a header against the IP packet that follows it, so that the
// segmenter and the checksum completion never read or write out of range:
//  - flags: only NEEDS_CSUM and DATA_VALID (anything else: malformed);
//  - gso_type: NONE, TCPV4, TCPV6 (ECN bit allowed on the TCP ones); UDP/UDP_L4
//    are unsupported (ainet never offers TUN_F_UFO/USO), any other value malformed;
//  - NEEDS_CSUM: csum_start + csum_offset + 2 <= packet size;
//  - GSO: NEEDS_CSUM set, gso_size > 0, hdr_len <= packet size, a TCP packet
//    of the family gso_type names (IPv4 without fragmentation, IPv6 with TCP
//    as its first next header), csum_start at the TCP header and csum_offset
//    16 (RFC 9293 §3.1: the checksum field), the TCP header inside the packet.
// Returns Errc::ok or why the packet is to be dropped (the caller counts it).
Status validate_virtio_net_hdr(const VirtioNetHdr& h, ByteSpan packet);

// For a non-GSO packet with NEEDS_CSUM: the kernel left in the checksum field
// the folded (not complemented) pseudo-header sum, and the rest of the
// checksum is to be done from csum_start to the end (virtio spec 1.2
// §5.1.6.2). Completes it in place. The header must have passed
// validate_virtio_net_hdr. A no-op without NEEDS_CSUM.
void complete_partial_checksum(const VirtioNetHdr& h, MutByteSpan packet);

}  // namespace ainet::io
