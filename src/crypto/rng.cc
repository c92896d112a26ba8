// Rng helpers and the OpenSSL-backed system generator.
#include "crypto/rng.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace ainet::crypto {

uint32_t Rng::u32() {
  uint8_t b[4];
  fill(b);
  return load_be32(b);
}

uint64_t Rng::u64() {
  uint8_t b[8];
  fill(b);
  return load_be64(b);
}

uint64_t Rng::uniform(uint64_t bound) {
  if (bound <= 1) return 0;  // [0, 1) is {0}; bound 0 is a caller error, answered safely.
  // Reject the lowest 2^64 mod bound values so that the accepted range is a
  // whole multiple of bound: r % bound is then exactly uniform.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t r = u64();
    if (r >= threshold) return r % bound;
  }
}

uint16_t Rng::u16_batched() {
  if (u16_used_ == sizeof(u16_batch_)) {
    fill(MutByteSpan(u16_batch_, sizeof(u16_batch_)));
    u16_used_ = 0;
  }
  const uint16_t v = load_be16(u16_batch_ + u16_used_);
  u16_used_ += 2;
  return v;
}

void SystemRng::fill(MutByteSpan out) {
  size_t off = 0;
  while (off < out.size()) {
    const size_t n = std::min<size_t>(out.size() - off, INT_MAX);
    // Continuing without randomness would silently produce predictable keys
    // and SPIs, so a CSPRNG failure is fatal.
    if (RAND_bytes(out.data() + off, static_cast<int>(n)) != 1) std::abort();
    off += n;
  }
}

}  // namespace ainet::crypto
