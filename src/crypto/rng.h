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

  // The next two fresh bytes of this Rng as a big-endian 16-bit value, from
  // a batch of kU16Batch values that one fill() call refills when used up.
  // For the random outer IPv4 Identification of every sealed packet
  // (sa/security_association.cc, RFC 6864 §4.1/§4.2): one fill() per packet
  // (OpenSSL 3.0 RAND_bytes costs ~2-3 us of fixed overhead per call) cost
  // more than the AEAD of a 1400-byte packet. Every value is still two fresh
  // bytes used once, so values are independent and uniform on [0, 65535].
  // The batch lives here, with the Rng that every SA of an engine shares,
  // instead of one 264-byte pool per SA (issue 10: memory per ANT hop); it
  // never allocates. Like fill() on a DeterministicRng, not for concurrent
  // use of one Rng object from several threads.
  static constexpr size_t kU16Batch = 128;
  uint16_t u16_batched();

 private:
  uint8_t u16_batch_[kU16Batch * 2] = {};  // big-endian 16-bit values
  size_t u16_used_ = sizeof(u16_batch_);   // bytes handed out; starts empty
};

// OpenSSL's CSPRNG (RAND_bytes). Aborts if the OS entropy source fails,
// because continuing without randomness would be silently insecure.
//
// Small requests (at most kBufferedMax bytes: the onion nonce of every cell,
// a CBC IV) are served from a kBufferSize-byte block that one RAND_bytes
// call refills: OpenSSL 3.0's RAND_bytes has a fixed cost of ~2-3 us per
// call (its EVP_RAND parameter plumbing), which was 6% of an entrance AIN's
// CPU at one call per cell (perf, bench/e2e antudp). The bytes are the same
// CSPRNG output, each handed out once; handed-out bytes are wiped from the
// block at once, so no past nonce or key survives in it. After fork() the
// child discards the block (pthread_atfork), so parent and child never
// hand out the same bytes. Larger requests go straight to RAND_bytes. Not
// for concurrent use of one object from several threads (like Rng).
class SystemRng final : public Rng {
 public:
  static constexpr size_t kBufferSize = 512;
  static constexpr size_t kBufferedMax = 64;

  SystemRng();
  ~SystemRng() override;
  SystemRng(const SystemRng&) = delete;
  SystemRng& operator=(const SystemRng&) = delete;
  void fill(MutByteSpan out) override;

 private:
  uint8_t block_[kBufferSize] = {};
  size_t used_ = kBufferSize;  // bytes of block_ handed out; starts empty
  uint64_t fork_generation_ = 0;
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
