// Independent reference computations of the Internet checksum (RFC 1071) and
// the TCP pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1), for tests that
// check what src/io and src/wire write. Deliberately not wire/checksum.h, so
// a bug there cannot hide in the expected value.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ainet::test {

// Sum of big-endian 16-bit words, an odd last byte padded with zero.
inline uint32_t sum16(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) s += static_cast<uint32_t>(p[n - 1] << 8);
  return s;
}

// One's-complement fold of a 32-bit sum to 16 bits.
inline uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// The pseudo-header sum (not folded, not complemented) of a TCP segment of
// `tcp_len` bytes behind the IPv4 (v4) or IPv6 header at `ip`.
inline uint32_t pseudo_sum(const uint8_t* ip, bool v4, size_t tcp_len) {
  if (v4) return sum16(ip + 12, 8) + 6 + static_cast<uint32_t>(tcp_len);
  return sum16(ip + 8, 32) + static_cast<uint32_t>(tcp_len >> 16) +
         static_cast<uint32_t>(tcp_len & 0xffff) + 6;
}

}  // namespace ainet::test
