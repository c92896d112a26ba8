// Unauthenticated block/stream ciphers:
//   AES-CBC (RFC 3602) for ESP AES-CBC + HMAC-SHA-256-128 (RFC 4868). No
//     padding is added here: ESP does its own padding (RFC 4303 §2.4), so
//     input must be a multiple of 16 bytes.
//   AES-CTR and ChaCha20 raw keystreams: the length-preserving onion layers.
//   AES-ECB (FIPS 197 block function, no padding, input a multiple of 16): a
//     keyed PRP used to transform the onion nonce at each hop, so that nothing
//     on the wire links a packet on one link to the same packet on the next.
// The object keeps only its key bytes (cleansed when it goes); each call
// borrows the thread's keyed context (crypto/context_cache.h), which for a
// hot object is keyed already, so a call only sets the IV. No allocation per
// call once the thread's context exists.
#pragma once
#include <memory>

#include "crypto/key_bytes.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

// New algorithms are appended so existing values never change.
enum class CipherAlg : uint8_t {
  aes128_cbc,
  aes256_cbc,
  aes128_ctr,
  aes256_ctr,
  chacha20,
  aes128_ecb,
  aes256_ecb,
};

size_t cipher_key_size(CipherAlg alg);  // 16/32/16/32/32/16/32
// 16 for CBC/CTR/ChaCha20 (ChaCha20: 4-byte LE counter || 12-byte nonce,
// OpenSSL layout); 0 for ECB (encrypt/decrypt then take an empty iv).
size_t cipher_iv_size(CipherAlg alg);

class Cipher {
 public:
  static Result<std::unique_ptr<Cipher>> create(CipherAlg alg, ByteSpan key);
  // The same by value, for objects kept inside larger state (the onion
  // layers of an ANT): no heap block of its own (issue 10, memory per hop).
  static Result<Cipher> make(CipherAlg alg, ByteSpan key);
  // Unkeyed: every call returns Errc::invalid_argument until a keyed Cipher
  // is moved in.
  Cipher() = default;
  ~Cipher();
  Cipher(Cipher&& o) noexcept;
  Cipher& operator=(Cipher&& o) noexcept;
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;

  CipherAlg alg() const { return static_cast<CipherAlg>(key_.tag()); }
  bool keyed() const { return key_.id() != 0; }
  // out.size() must equal in.size(); out may alias in exactly. iv.size() must
  // equal cipher_iv_size(alg()); CBC and ECB need in.size() % 16 == 0.
  // Otherwise Errc::invalid_argument.
  [[nodiscard]] Errc encrypt(ByteSpan iv, ByteSpan in, MutByteSpan out);
  [[nodiscard]] Errc decrypt(ByteSpan iv, ByteSpan in, MutByteSpan out);

 private:
  void forget();
  detail::KeyBytes<32> key_;  // the algorithm is its tag (40 bytes in all)
};

}  // namespace ainet::crypto
