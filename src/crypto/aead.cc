// AES-GCM (RFC 4106) and ChaCha20-Poly1305 (RFC 7634 / RFC 8439 §2.8) over
// OpenSSL EVP. The keyed contexts come from the thread's context cache
// (context_cache.h), keyed with this object's key bytes when it last missed;
// seal/open only set the 12-byte nonce with
// EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, -1), which re-uses the
// keyed provider context and allocates nothing (checked by
// tests/unit/crypto/no_alloc_test.cc).
#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "crypto/aead_tag.h"
#include "crypto/context_cache.h"
#include "crypto/evp_checks.h"

namespace ainet::crypto {

namespace {

detail::EvpCipher evp_of(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::aes128_gcm:
      return detail::EvpCipher::aes128_gcm;
    case AeadAlg::aes256_gcm:
      return detail::EvpCipher::aes256_gcm;
    case AeadAlg::chacha20_poly1305:
      return detail::EvpCipher::chacha20_poly1305;
  }
  return detail::EvpCipher::count_;
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

Result<Aead> Aead::make(AeadAlg alg, ByteSpan key) {
  const size_t key_size = aead_key_size(alg);  // 0: not an algorithm
  if (key_size == 0 || key.size() != key_size) return Errc::invalid_argument;
  Aead a;
  if (!a.key_.assign(static_cast<uint8_t>(alg), key)) return Errc::invalid_argument;
  // No IV yet: each seal/open supplies its own nonce. Both ciphers default to
  // a 12-byte nonce and a 16-byte tag, which is what RFC 4106 §3/§4 and
  // RFC 7634 §2/§3 use. Each direction is keyed on its first use (most
  // objects only seal or only open); an OpenSSL failure to make the
  // contexts shows here.
  if (!detail::prepare_cipher_ctx(evp_of(alg), 1, a.key_.id()) ||
      !detail::prepare_cipher_ctx(evp_of(alg), 0, a.key_.id()))
    return Errc::crypto_error;
  return a;
}

Result<std::unique_ptr<Aead>> Aead::create(AeadAlg alg, ByteSpan key) {
  auto a = make(alg, key);
  if (!a) return a.error();
  return std::make_unique<Aead>(std::move(*a));
}

void Aead::forget() {
  if (key_.id() == 0) return;
  detail::forget_cipher_ctx(evp_of(alg()), 1, key_.id());
  detail::forget_cipher_ctx(evp_of(alg()), 0, key_.id());
}

Aead::~Aead() { forget(); }

// The cache ways belong to the id, so a move hands the id over; the source
// is left unkeyed (KeyBytes' move wipes its key bytes and id).
Aead::Aead(Aead&& o) noexcept : key_(std::move(o.key_)) {}

Aead& Aead::operator=(Aead&& o) noexcept {
  if (this != &o) {
    forget();
    key_ = std::move(o.key_);
  }
  return *this;
}

Errc Aead::seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt, MutByteSpan ct, MutByteSpan tag) {
  if (key_.id() == 0 || !valid_args(nonce, aad, pt, ct, tag.size()))
    return Errc::invalid_argument;
  EVP_CIPHER_CTX* ctx = detail::keyed_cipher_ctx(evp_of(alg()), 1, key_.id(), key_.data());
  if (ctx == nullptr) return Errc::crypto_error;
  int done = 0;
  if (Errc e = aead_update(ctx, nonce, aad, pt, ct, &done); e != Errc::ok) return e;
  if (!aead_final(ctx, ct, done)) return Errc::crypto_error;
  if (!detail::get_aead_tag(ctx, tag.data(), kAeadTagSize)) return Errc::crypto_error;
  return Errc::ok;
}

Errc Aead::open(ByteSpan nonce, ByteSpan aad, ByteSpan ct, ByteSpan tag, MutByteSpan pt) {
  if (key_.id() == 0 || !valid_args(nonce, aad, ct, pt, tag.size()))
    return Errc::invalid_argument;
  EVP_CIPHER_CTX* ctx = detail::keyed_cipher_ctx(evp_of(alg()), 0, key_.id(), key_.data());
  if (ctx == nullptr) return Errc::crypto_error;
  int done = 0;
  if (Errc e = aead_update(ctx, nonce, aad, ct, pt, &done); e != Errc::ok) return e;
  // The parameter takes a non-const pointer; copy so the caller's buffer
  // stays const.
  uint8_t expected[kAeadTagSize];
  std::memcpy(expected, tag.data(), kAeadTagSize);
  if (!detail::set_aead_tag(ctx, expected, kAeadTagSize)) return Errc::crypto_error;
  if (!aead_final(ctx, pt, done)) {
    // Unauthenticated plaintext must never be used; wipe it so a caller that
    // ignores the error cannot act on attacker-chosen bytes.
    if (!pt.empty()) OPENSSL_cleanse(pt.data(), pt.size());
    return Errc::auth_failed;
  }
  return Errc::ok;
}

}  // namespace ainet::crypto
