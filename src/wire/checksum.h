// The Internet checksum (RFC 1071), computed incrementally so that a pseudo-
// header and a payload held in different buffers can be summed without a copy.
#pragma once
#include <cstdint>

#include "util/bytes.h"

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

}  // namespace ainet::wire
