// IPv6 fixed header codec (RFC 8200 §3) and extension-header walking
// (RFC 8200 §4). Zero-copy views into the caller's buffer.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::wire {

// A chain longer than this is refused (Errc::limit): RFC 8200 §4.1 defines at
// most ~7 kinds, each once (dest opts twice), so 8 is generous and bounds work.
inline constexpr size_t kMaxIpv6ExtensionHeaders = 8;

struct Ipv6Header {
  uint8_t traffic_class = 0;  // DSCP + ECN
  uint32_t flow_label = 0;    // 20 bits
  uint16_t payload_len = 0;   // bytes after the 40-byte fixed header
  uint8_t next_header = 0;
  uint8_t hop_limit = 0;
  IpAddress src;
  IpAddress dst;
  ByteSpan payload;           // parse only: the payload_len bytes after the fixed header
};

// Parses the fixed header: version 6 (else bad_version), payload_len <= bytes
// available (else truncated). payload_len 0 followed by a Hop-by-Hop header is
// a jumbogram (RFC 2675 §3) and unsupported; otherwise it is an empty payload.
Result<Ipv6Header> parse_ipv6(ByteSpan packet);

// Writes the 40-byte fixed header. h.src/h.dst must be IPv6 (else invalid_argument).
Status write_ipv6_header(ByteWriter& w, const Ipv6Header& h);

// Result of walking the extension-header chain.
struct Ipv6UpperLayer {
  uint8_t protocol = 0;     // first header that is not skipped (AH 51, ESP 50, 59, TCP, ...)
  size_t offset = 0;        // offset of that header from the start of the packet
  bool is_fragment = false; // a Fragment header (44) was skipped
  uint16_t fragment_offset = 0;  // in 8-byte units; nonzero: upper header is not here
  bool more_fragments = false;
};

// Walks the chain starting at the fixed header of `packet` (a whole IPv6 packet,
// already validated by parse_ipv6 or not). Skips Hop-by-Hop (0, only directly
// after the fixed header, RFC 8200 §4.1), Routing (43), Fragment (44) and
// Destination Options (60). Stops at and reports AH (51), ESP (50), No Next
// Header (59) and any other protocol. Errors: those of parse_ipv6,
// truncated (a header runs past the payload), malformed (misplaced Hop-by-Hop), limit (more than
// kMaxIpv6ExtensionHeaders headers).
Result<Ipv6UpperLayer> skip_ipv6_extension_headers(ByteSpan packet);

}  // namespace ainet::wire
