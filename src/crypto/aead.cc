// AES-GCM (RFC 4106) and ChaCha20-Poly1305 (RFC 7634 / RFC 8439 §2.8) over
// OpenSSL EVP. The key schedule is done once in create(); seal/open only set
// the 12-byte nonce with EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, -1),
// which re-uses the keyed provider context and allocates nothing (checked by
// tests/unit/crypto/no_alloc_test.cc). The contexts wipe their key schedule
// when freed (the providers free it with OPENSSL_clear_free).
#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "crypto/evp_checks.h"

namespace ainet::crypto {

namespace {

const char* aead_cipher_name(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::aes128_gcm:
      return "AES-128-GCM";
    case AeadAlg::aes256_gcm:
      return "AES-256-GCM";
    case AeadAlg::chacha20_poly1305:
      return "ChaCha20-Poly1305";
  }
  return nullptr;
}

EVP_CIPHER_CTX* keyed_ctx(const EVP_CIPHER* cipher, ByteSpan key, int enc) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return nullptr;
  // No IV yet: each seal/open supplies its own nonce. Both ciphers default to
  // a 12-byte nonce and a 16-byte tag, which is what RFC 4106 §3/§4 and
  // RFC 7634 §2/§3 use.
  if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, enc) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// Shared argument checks for seal and open (in and out of one direction).
bool valid_args(ByteSpan nonce, ByteSpan aad, ByteSpan in, std::span<const uint8_t> out,
                size_t tag_size) {
  return nonce.size() == kAeadNonceSize && tag_size == kAeadTagSize && out.size() == in.size() &&
         detail::fits_int(in.size()) && detail::fits_int(aad.size()) &&
         !detail::partially_overlaps(out.data(), in.data(), in.size());
}

// The part of an AEAD pass (RFC 5116 §2.1/§2.2) that seal and open share:
// the nonce on the keyed context, the AAD, then the data, `in` into `out`
// (stream modes: same length). *done is the number of bytes written.
[[gnu::always_inline]] inline Errc aead_update(EVP_CIPHER_CTX* ctx, ByteSpan nonce, ByteSpan aad,
                                               ByteSpan in, MutByteSpan out, int* done) {
  int outl = 0;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data(), -1) != 1)
    return Errc::crypto_error;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) != 1)
    return Errc::crypto_error;
  *done = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx, out.data(), done, in.data(), static_cast<int>(in.size())) != 1)
    return Errc::crypto_error;
  return Errc::ok;
}

// Both ciphers are stream modes: Final emits no bytes; it computes (seal) or
// checks (open) the tag. The output pointer only has to be valid.
[[gnu::always_inline]] inline bool aead_final(EVP_CIPHER_CTX* ctx, MutByteSpan out, int done) {
  uint8_t scratch[16];
  int outl = 0;
  return EVP_CipherFinal_ex(ctx, done < static_cast<int>(out.size()) ? out.data() + done : scratch,
                            &outl) == 1;
}

}  // namespace

size_t aead_key_size(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::aes128_gcm:
      return 16;
    case AeadAlg::aes256_gcm:
      return 32;
    case AeadAlg::chacha20_poly1305:
      return 32;
  }
  return 0;
}

Result<std::unique_ptr<Aead>> Aead::create(AeadAlg alg, ByteSpan key) {
  const char* name = aead_cipher_name(alg);
  if (name == nullptr || key.size() != aead_key_size(alg)) return Errc::invalid_argument;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) return Errc::crypto_error;
  std::unique_ptr<Aead> a(new Aead());
  a->alg_ = alg;
  a->enc_ = keyed_ctx(cipher, key, 1);
  a->dec_ = keyed_ctx(cipher, key, 0);
  EVP_CIPHER_free(cipher);  // the contexts hold their own references
  if (a->enc_ == nullptr || a->dec_ == nullptr) return Errc::crypto_error;
  return a;
}

Aead::~Aead() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(enc_));
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(dec_));
}

Errc Aead::seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt, MutByteSpan ct, MutByteSpan tag) {
  if (!valid_args(nonce, aad, pt, ct, tag.size())) return Errc::invalid_argument;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(enc_);
  int done = 0;
  if (Errc e = aead_update(ctx, nonce, aad, pt, ct, &done); e != Errc::ok) return e;
  if (!aead_final(ctx, ct, done)) return Errc::crypto_error;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagSize), tag.data()) !=
      1)
    return Errc::crypto_error;
  return Errc::ok;
}

Errc Aead::open(ByteSpan nonce, ByteSpan aad, ByteSpan ct, ByteSpan tag, MutByteSpan pt) {
  if (!valid_args(nonce, aad, ct, pt, tag.size())) return Errc::invalid_argument;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(dec_);
  int done = 0;
  if (Errc e = aead_update(ctx, nonce, aad, ct, pt, &done); e != Errc::ok) return e;
  // The ctrl takes a non-const pointer; copy so the caller's buffer stays const.
  uint8_t expected[kAeadTagSize];
  std::memcpy(expected, tag.data(), kAeadTagSize);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize), expected) !=
      1)
    return Errc::crypto_error;
  if (!aead_final(ctx, pt, done)) {
    // Unauthenticated plaintext must never be used; wipe it so a caller that
    // ignores the error cannot act on attacker-chosen bytes.
    if (!pt.empty()) OPENSSL_cleanse(pt.data(), pt.size());
    return Errc::auth_failed;
  }
  return Errc::ok;
}

}  // namespace ainet::crypto
