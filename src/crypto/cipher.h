// Unauthenticated block/stream ciphers:
//   AES-CBC (RFC 3602) for ESP AES-CBC + HMAC-SHA-256-128 (RFC 4868). No
//     padding is added here: ESP does its own padding (RFC 4303 §2.4), so
//     input must be a multiple of 16 bytes.
//   AES-CTR and ChaCha20 raw keystreams: the length-preserving onion layers.
// Keyed once; each call only sets the IV. No allocation per call.
#pragma once
#include <memory>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

enum class CipherAlg : uint8_t { aes128_cbc, aes256_cbc, aes128_ctr, aes256_ctr, chacha20 };

size_t cipher_key_size(CipherAlg alg);  // 16/32/16/32/32
size_t cipher_iv_size(CipherAlg alg);   // 16 for all (ChaCha20: 4-byte LE counter || 12-byte nonce, OpenSSL layout)

class Cipher {
 public:
  static Result<std::unique_ptr<Cipher>> create(CipherAlg alg, ByteSpan key);
  ~Cipher();
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;

  CipherAlg alg() const { return alg_; }
  // out.size() must equal in.size(); out may alias in exactly.
  [[nodiscard]] Errc encrypt(ByteSpan iv, ByteSpan in, MutByteSpan out);
  [[nodiscard]] Errc decrypt(ByteSpan iv, ByteSpan in, MutByteSpan out);

 private:
  Cipher() = default;
  CipherAlg alg_{};
  void* enc_ = nullptr;
  void* dec_ = nullptr;
};

}  // namespace ainet::crypto
