// Randomness is injected: the sans-I/O core takes an Rng&, so tests and the
// simulation can use a seeded generator and get byte-identical runs.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/secret.h"

namespace ainet::crypto {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(MutByteSpan out) = 0;
  uint32_t u32();
  uint64_t u64();
  // Uniform in [0, bound); bound > 0 (bound 0 returns 0). Rejection sampling,
  // no modulo bias.
  uint64_t uniform(uint64_t bound);
};

// OpenSSL's CSPRNG (RAND_bytes). Aborts if the OS entropy source fails,
// because continuing without randomness would be silently insecure.
class SystemRng final : public Rng {
 public:
  void fill(MutByteSpan out) override;
};

// Deterministic generator for tests and simulation: the ChaCha20 keystream
// (via OpenSSL EVP) under key = SHA-256(seed as 8 big-endian bytes), nonce 0,
// counter 0; identical bytes on every run. Never use for keys in production.
class DeterministicRng final : public Rng {
 public:
  explicit DeterministicRng(uint64_t seed);
  ~DeterministicRng() override;
  DeterministicRng(const DeterministicRng&) = delete;
  DeterministicRng& operator=(const DeterministicRng&) = delete;
  void fill(MutByteSpan out) override;

 private:
  void* ctx_ = nullptr;  // EVP_CIPHER_CTX*
};

}  // namespace ainet::crypto
