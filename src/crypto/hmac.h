// HMAC-SHA-256 (RFC 2104) with optional truncation: HMAC-SHA-256-128 is the
// ESP/AH integrity algorithm of RFC 4868 (full 32-byte key, 16-byte ICV).
// The key is installed once; compute() is reusable and does not allocate.
#pragma once
#include <initializer_list>
#include <memory>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

constexpr size_t kSha256Size = 32;
constexpr size_t kHmacSha256_128IcvSize = 16;  // RFC 4868 §2.3

class Hmac {
 public:
  static Result<std::unique_ptr<Hmac>> create(ByteSpan key);
  ~Hmac();
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  // MAC over the concatenation of parts; writes min(out.size(), 32) bytes
  // (the leftmost bytes of the full HMAC, RFC 4868 §2.3 truncation).
  [[nodiscard]] Errc compute(std::initializer_list<ByteSpan> parts, MutByteSpan out);
  // Computes and compares in constant time (CRYPTO_memcmp). auth_failed on mismatch.
  [[nodiscard]] Errc verify(std::initializer_list<ByteSpan> parts, ByteSpan expected);

 private:
  Hmac() = default;
  void* mac_ = nullptr;  // keyed EVP_MAC_CTX* template
  void* work_ = nullptr;  // EVP_MAC_CTX* reused per call
};

// One-shot SHA-256.
[[nodiscard]] Errc sha256(std::initializer_list<ByteSpan> parts, MutByteSpan out32);

}  // namespace ainet::crypto
