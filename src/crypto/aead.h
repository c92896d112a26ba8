// AEAD ciphers for ESP and for the innermost onion layer:
//   AES-GCM-128/256   (RFC 4106: 4-byte salt || 8-byte IV nonce, 16-byte ICV)
//   ChaCha20-Poly1305 (RFC 7634 / RFC 8439: 4-byte salt || 8-byte IV nonce)
//   AES-GMAC          (RFC 4543: AES-GCM with all data as AAD, empty plaintext;
//                      see crypto/gmac.h)
// The object keeps only its key bytes; seal/open borrow the thread's keyed
// context (crypto/context_cache.h: keyed already while the object is hot) and
// only set the nonce, so nothing is allocated per packet.
#pragma once
#include <memory>

#include "crypto/key_bytes.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

enum class AeadAlg : uint8_t { aes128_gcm, aes256_gcm, chacha20_poly1305 };

constexpr size_t kAeadNonceSize = 12;
constexpr size_t kAeadTagSize = 16;
size_t aead_key_size(AeadAlg alg);  // 16, 32, 32

class Aead {
 public:
  // key: the cipher key only (the RFC 4106/7634 salt is the caller's business).
  static Result<std::unique_ptr<Aead>> create(AeadAlg alg, ByteSpan key);
  // The same by value, for objects kept inside larger state (the onion keys
  // of an ANT): no heap block of its own (issue 10, memory per hop).
  static Result<Aead> make(AeadAlg alg, ByteSpan key);
  // Unkeyed: seal/open return Errc::invalid_argument until a keyed Aead is
  // moved in.
  Aead() = default;
  ~Aead();
  Aead(Aead&& o) noexcept;
  Aead& operator=(Aead&& o) noexcept;
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  AeadAlg alg() const { return static_cast<AeadAlg>(key_.tag()); }
  bool keyed() const { return key_.id() != 0; }

  // Encrypts pt into ct (same length; ct may alias pt exactly) and writes the
  // 16-byte tag. nonce must be 12 bytes, tag 16 bytes. Wrong sizes or a
  // partial (non-exact) overlap give Errc::invalid_argument.
  [[nodiscard]] Errc seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt, MutByteSpan ct,
                          MutByteSpan tag);
  // Verifies tag and decrypts ct into pt (may alias). On auth failure returns
  // Errc::auth_failed and pt is zeroed (the caller must still discard it).
  [[nodiscard]] Errc open(ByteSpan nonce, ByteSpan aad, ByteSpan ct, ByteSpan tag, MutByteSpan pt);

 private:
  void forget();
  detail::KeyBytes<32> key_;  // the algorithm is its tag (40 bytes in all)
};

}  // namespace ainet::crypto
