// Family-independent view of an IP packet, and building the outer header of a
// tunnel-mode packet (RFC 4301 §5.1.2). Used where the code does not care
// whether a packet is IPv4 or IPv6: the TUN side, SAD/SPD selectors, tunnels.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::wire {

struct IpPacketInfo {
  IpFamily family = IpFamily::v4;
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = 0;      // upper-layer protocol (IPv6: after extension headers)
  size_t header_len = 0;     // bytes before the upper-layer header (= payload_offset)
  size_t payload_offset = 0; // offset of the upper-layer header
  size_t total_len = 0;      // IPv4 total length / 40 + IPv6 payload length
  uint8_t hop_limit = 0;     // TTL / hop limit
  uint8_t tos = 0;           // IPv4 TOS / IPv6 traffic class (DSCP << 2 | ECN)
  bool dont_fragment = false;// IPv4 DF (IPv6: always true, RFC 8200 §5)
  bool is_fragment = false;
};

// Dispatches on the version nibble (else bad_version) to parse_ipv4 /
// parse_ipv6 + skip_ipv6_extension_headers. Never reads past `packet`.
Result<IpPacketInfo> parse_ip_packet(ByteSpan packet);

// Fields of an outer header we originate.
struct OuterHeaderSpec {
  IpAddress src;  // both addresses must have the same family (else invalid_argument)
  IpAddress dst;
  uint8_t protocol = kProtoEsp;
  size_t payload_len = 0;   // bytes after the outer header
  uint8_t hop_limit = kDefaultHopLimit;
  uint8_t tos = 0;          // DSCP/ECN byte
  bool dont_fragment = false;  // IPv4 only
  uint16_t ipv4_id = 0;        // IPv4 only
  uint32_t flow_label = 0;     // IPv6 only (20 bits)
};

inline constexpr size_t outer_header_len(IpFamily f) {
  return f == IpFamily::v4 ? kIpv4MinHeaderLen : kIpv6HeaderLen;
}

// Writes a 20-byte IPv4 (with checksum) or 40-byte IPv6 header into the front
// of `out`; returns its length. payload_len too large for the family: limit.
Result<size_t> build_outer_header(const OuterHeaderSpec& spec, MutByteSpan out);

// RFC 4303 §2.5 / RFC 4302 §2.1: in tunnel mode the ESP/AH Next Header names
// the inner packet: 4 for IPv4, 41 for IPv6.
inline constexpr uint8_t tunnel_next_header(IpFamily inner) {
  return inner == IpFamily::v4 ? kProtoIpv4 : kProtoIpv6;
}

// How much of the inner header shows on the outer header. RFC 4301 §5.1.2.1
// lets DSCP be copied or mapped; ainet defaults to NOT copying it, because the
// same DSCP on consecutive hops would link the packets (DESIGN.md).
struct TunnelPolicy {
  bool copy_dscp = false;
  bool copy_ecn = true;  // RFC 4301 §5.1.2.1 / RFC 6040 §4.1 normal mode: copy ECN
  bool copy_df = true;   // RFC 4301 §5.1.2.1: DF copied from inner IPv4
};

// Sets spec.tos and spec.dont_fragment from the inner packet per the policy
// (RFC 4301 §5.1.2.1 and §5.1.2.2; an inner IPv6 packet counts as DF). TTL/hop
// limit is "constructed" (RFC 4301 §5.1.2.1) and left to the caller.
void apply_tunnel_policy(const IpPacketInfo& inner, const TunnelPolicy& policy,
                         OuterHeaderSpec& spec);

// RFC 6040 §4.2 / RFC 4301 §5.1.2.1 decapsulation: if the outer ECN is CE and
// the inner is ECN-capable, the inner becomes CE (IPv4 checksum fixed). An
// inner Not-ECT packet with outer CE is to be dropped: returns Errc::malformed.
Status propagate_ecn_on_decap(uint8_t outer_tos, MutByteSpan inner_packet);

}  // namespace ainet::wire
