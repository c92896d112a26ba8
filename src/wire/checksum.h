// The Internet checksum (RFC 1071), computed incrementally so that a pseudo-
// header and a payload held in different buffers can be summed without a copy.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "wire/ip_address.h"

namespace ainet::wire {

class InternetChecksum {
 public:
  // Adds bytes as if they followed everything added so far; an odd-length
  // chunk is handled (the next chunk continues at the low byte), RFC 1071 §2.
  void add(ByteSpan data);
  void add_u16(uint16_t v);  // one big-endian 16-bit word
  void add_u32(uint32_t v);  // two big-endian 16-bit words
  // The one's complement of the one's-complement sum, in host order; store it
  // big-endian. A correct packet that includes its checksum finishes to 0.
  uint16_t finish() const;

 private:
  uint64_t sum_ = 0;
  bool odd_ = false;  // an odd number of bytes has been added so far
};

// Checksum of one buffer (e.g. an IPv4 header with its checksum field zeroed).
uint16_t internet_checksum(ByteSpan data);

// Checksum of an upper-layer segment (UDP, TCP, ICMPv6) with its pseudo-header:
// RFC 768 / RFC 793 for IPv4 (src | dst | 0 | protocol | 16-bit length),
// RFC 8200 §8.1 for IPv6 (src | dst | 32-bit length | 3 zero bytes | next header).
// The 2 bytes at checksum_offset (the segment's own checksum field) count as
// zero, so the same call serves sending and verifying. The length is
// segment.size(). src and dst must be of the same family.
uint16_t pseudo_header_checksum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                                ByteSpan segment, size_t checksum_offset);

}  // namespace ainet::wire
