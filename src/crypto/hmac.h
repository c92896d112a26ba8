// HMAC-SHA-256 (RFC 2104) with optional truncation: HMAC-SHA-256-128 is the
// ESP/AH integrity algorithm of RFC 4868 (full 32-byte key, 16-byte ICV;
// an SA holds it as the smaller Hmac32, see below).
// The object keeps only its key bytes; compute() borrows the thread's keyed
// HMAC context (crypto/context_cache.h), which is keyed already while the
// object is hot. Allocation: with OpenSSL 3.0 each compute() makes 2
// small malloc/free pairs inside libcrypto (HMAC re-init/final duplicate the
// SHA-256 provider context); constant per call, measured and pinned by
// tests/unit/crypto/no_alloc_test.cc. See src/crypto/hmac.cc.
#pragma once
#include <initializer_list>
#include <memory>

#include "crypto/key_bytes.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

constexpr size_t kSha256Size = 32;
constexpr size_t kSha256BlockSize = 64;
constexpr size_t kHmacSha256_128IcvSize = 16;  // RFC 4868 §2.3

// HMAC-SHA-256 whose key bytes take KeyCapacity bytes of the object. Use one
// of the two aliases below:
//  * Hmac (capacity = the SHA-256 block) takes a key of any length: RFC 2104
//    §2 uses a key of up to one block as is and hashes a longer one, so no
//    key needs more room (IKE's PRF keys are 64 bytes, RFC 7296 §2.13).
//  * Hmac32 holds at most 32 bytes: the HMAC-SHA-256-128 key of an ESP/AH SA,
//    which RFC 4868 §2.1.1 fixes at 32 bytes, so that every SA does not
//    carry 32 unused key bytes (issue 10, memory per ANT hop). A key longer
//    than one block is still hashed (32 bytes, it fits); a key that fits
//    neither way (33..64 bytes) is Errc::invalid_argument, never truncated,
//    so both classes give the same MAC for every key they accept.
template <size_t KeyCapacity>
class BasicHmac {
  static_assert(KeyCapacity >= kSha256Size && KeyCapacity <= kSha256BlockSize,
                "room for a hashed key (RFC 2104 §2), and never more than a block needs");

 public:
  static Result<std::unique_ptr<BasicHmac>> create(ByteSpan key);
  // The same by value, for objects kept inside larger state (an SA): no heap
  // block of its own (issue 10, memory per hop).
  static Result<BasicHmac> make(ByteSpan key);
  // Unkeyed: compute/verify return Errc::invalid_argument until a keyed one
  // is moved in.
  BasicHmac() = default;
  ~BasicHmac();
  BasicHmac(BasicHmac&& o) noexcept;
  BasicHmac& operator=(BasicHmac&& o) noexcept;
  BasicHmac(const BasicHmac&) = delete;
  BasicHmac& operator=(const BasicHmac&) = delete;

  bool keyed() const { return key_.id() != 0; }

  // MAC over the concatenation of parts; writes min(out.size(), 32) bytes
  // (the leftmost bytes of the full HMAC, RFC 4868 §2.3 truncation).
  [[nodiscard]] Errc compute(std::initializer_list<ByteSpan> parts, MutByteSpan out);
  // Computes and compares in constant time (CRYPTO_memcmp). auth_failed on mismatch.
  [[nodiscard]] Errc verify(std::initializer_list<ByteSpan> parts, ByteSpan expected);

 private:
  void forget();
  // The key length in bytes is its tag (Hmac32: 40 bytes in all).
  detail::KeyBytes<KeyCapacity> key_;
};

using Hmac = BasicHmac<kSha256BlockSize>;
using Hmac32 = BasicHmac<kSha256Size>;
// Both are instantiated once, in hmac.cc.
extern template class BasicHmac<kSha256BlockSize>;
extern template class BasicHmac<kSha256Size>;

// One-shot SHA-256 over the concatenation of parts. out32 must be 32 bytes
// (else Errc::invalid_argument). Allocates an EVP_MD_CTX: not for per-packet use.
[[nodiscard]] Errc sha256(std::initializer_list<ByteSpan> parts, MutByteSpan out32);

// One-shot SHA-1. Only for RFC 7296 §2.23 NAT detection, whose hash the RFC
// fixes to SHA-1 (it is a fingerprint of addresses, not a security
// primitive). out20 must be 20 bytes (else Errc::invalid_argument).
constexpr size_t kSha1Size = 20;
[[nodiscard]] Errc sha1(std::initializer_list<ByteSpan> parts, MutByteSpan out20);

}  // namespace ainet::crypto
