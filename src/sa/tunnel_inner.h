// The part of an inner IP packet that tunnel-mode sealing needs
// (SecurityAssociation::seal_inner_packet, Bundle::seal_inner_packet), read
// with every check that matters for carrying the packet, and no more.
//
// Why not wire::parse_ip_packet(): it also builds both addresses and walks
// IPv6 extension headers to the upper layer, none of which sealing uses; that
// cost about as much as the rest of a 1400-byte AES-GMAC AH seal's own
// overhead (bench/ipsec_bench.cc).
//
// Checks kept (same errors as wire::parse_ip_packet):
//  * version 4 or 6 (bad_version): it picks the ESP/AH Next Header 4 or 41
//    (RFC 4303 §2.5, RFC 4302 §2.1);
//  * IPv4: IHL >= 5 and Total Length >= IHL*4 (malformed), header and Total
//    Length within the buffer (truncated), header checksum (bad_checksum,
//    RFC 791 §3.1): a corrupt header is not worth a sequence number;
//  * IPv6: the 40-byte header and Payload Length within the buffer
//    (truncated), jumbograms refused (unsupported, RFC 2675 §3).
// Not done: the IPv6 extension-header walk (sealing never needs the upper
// protocol; inner fragments are carried like any packet, RFC 4301 §7 concerns
// outer fragments); whoever parses the datagram after decapsulation (the
// engine, the endpoint) walks the chain and drops a bad one.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_packet.h"

namespace ainet::sa {

struct TunnelInner {
  wire::IpFamily family = wire::IpFamily::v4;
  size_t total_len = 0;        // the IP packet proper; a link-layer trailer after it is not carried
  uint8_t tos = 0;             // IPv4 TOS / IPv6 traffic class
  bool dont_fragment = false;  // IPv4 DF; IPv6 counts as DF (RFC 4301 §5.1.2.2)

  // What wire::apply_tunnel_policy() reads (family, tos, dont_fragment); the
  // other fields (addresses, upper protocol) are left default: not for other uses.
  wire::IpPacketInfo policy_input() const;
};

Result<TunnelInner> parse_tunnel_inner(ByteSpan packet);

}  // namespace ainet::sa
