// Rewrites the source or destination address of an inner IP datagram in
// place, fixing every checksum that covers it. Used by the exit's per-ANT
// address pool (docs/protocol.md "Exit delivery"): the source is replaced on
// the way out, the destination is restored on replies.
#pragma once
#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::core {

enum class AddressField : uint8_t { source, destination };

// Replaces the chosen address with `to` (same family as the packet, else
// invalid_argument) and updates incrementally (RFC 1624 eqn. 3):
//   IPv4 header checksum (RFC 791);
//   TCP (RFC 9293 §3.1) and UDP (RFC 768) checksums, whose pseudo-header
//     holds both addresses, for IPv4 and IPv6 (RFC 8200 §8.1);
//   ICMPv6 (RFC 4443 §2.3, pseudo-header as RFC 8200 §8.1).
// ICMPv4 has no pseudo-header. An IPv4 UDP checksum of 0 means "none" and
// stays 0 (RFC 768). A non-first fragment carries no upper-layer header, so
// only the IP header changes. Errors come from the IP parsers, or truncated
// when the upper-layer header is cut short.
Status rewrite_address(MutByteSpan datagram, AddressField which, const wire::IpAddress& to);

}  // namespace ainet::core
