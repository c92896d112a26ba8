// Rng helpers and the OpenSSL-backed system generator.
#include "crypto/rng.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>

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

namespace {

// Bumped in every child after fork(): a SystemRng that filled its block in
// another generation discards it. The one piece of process state here, at
// the system boundary (the sans-I/O core only sees Rng&).
std::atomic<uint64_t> g_fork_generation{0};

void after_fork_in_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

void rand_bytes(uint8_t* p, size_t len) {
  size_t off = 0;
  while (off < len) {
    const size_t n = std::min<size_t>(len - off, INT_MAX);
    // Continuing without randomness would silently produce predictable keys
    // and SPIs, so a CSPRNG failure is fatal.
    if (RAND_bytes(p + off, static_cast<int>(n)) != 1) std::abort();
    off += n;
  }
}

}  // namespace

SystemRng::SystemRng() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pthread_atfork(nullptr, nullptr, after_fork_in_child) != 0) std::abort();
  });
}

SystemRng::~SystemRng() { OPENSSL_cleanse(block_, sizeof block_); }

void SystemRng::fill(MutByteSpan out) {
  const size_t n = out.size();
  if (n > kBufferedMax) {
    rand_bytes(out.data(), n);
    return;
  }
  const uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
  if (used_ + n > kBufferSize || fork_generation_ != gen) {
    rand_bytes(block_, sizeof block_);
    used_ = 0;
    fork_generation_ = gen;
  }
  std::memcpy(out.data(), block_ + used_, n);
  OPENSSL_cleanse(block_ + used_, n);  // handed out once; not kept
  used_ += n;
}

}  // namespace ainet::crypto
