// IPv4 header codec (RFC 791 §3.1). Zero-copy: the parsed view holds spans
// into the caller's buffer.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::wire {

// RFC 791 §3.1: flags are the top 3 bits of the 16-bit flags/fragment field.
inline constexpr uint16_t kIpv4FlagDontFragment = 0x4000;
inline constexpr uint16_t kIpv4FlagMoreFragments = 0x2000;
inline constexpr uint16_t kIpv4FragmentOffsetMask = 0x1fff;

struct Ipv4Header {
  uint8_t tos = 0;          // DSCP (6 bits) + ECN (2 bits), RFC 2474 / RFC 3168
  uint16_t total_len = 0;   // header + payload
  uint16_t id = 0;
  uint16_t flags_frag = 0;  // flags (3 bits) + fragment offset (13 bits, 8-byte units)
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  uint16_t checksum = 0;    // as found on parse; computed on write
  IpAddress src;
  IpAddress dst;
  ByteSpan options;         // parse: the option bytes; write: copied (multiple of 4, <= 40)
  ByteSpan payload;         // parse only: bytes [header_len, total_len)

  size_t header_len() const { return kIpv4MinHeaderLen + options.size(); }
  bool dont_fragment() const { return (flags_frag & kIpv4FlagDontFragment) != 0; }
  bool is_fragment() const {
    return (flags_frag & (kIpv4FlagMoreFragments | kIpv4FragmentOffsetMask)) != 0;
  }
};

// Parses and validates an IPv4 packet: version 4 (else bad_version), IHL >= 5,
// IHL*4 <= total length <= buffer size (else truncated/malformed), header
// checksum (else bad_checksum). Bytes after total_len (link padding) are ignored.
Result<Ipv4Header> parse_ipv4(ByteSpan packet);

// Writes the header (20 bytes + options) with a freshly computed checksum.
// h.src/h.dst must be IPv4 (else invalid_argument); h.checksum and h.payload are
// ignored. Returns buffer_too_small if the writer is full.
Status write_ipv4_header(ByteWriter& w, const Ipv4Header& h);

// Recomputes the header checksum in place after a field changed (e.g. TTL or
// ECN). header must start at the IPv4 header; IHL is taken from it.
Status ipv4_update_checksum(MutByteSpan packet);

}  // namespace ainet::wire
