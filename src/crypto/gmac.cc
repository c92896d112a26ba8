// AES-GMAC (RFC 4543) as AES-GCM with all input as AAD and no plaintext.
// The GCM tag then depends only on the AAD (RFC 4543 §2 / GCM spec §2.3 with
// P empty), which is exactly GMAC.
#include "crypto/gmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/aead_tag.h"
#include "crypto/context_cache.h"
#include "crypto/evp_checks.h"

namespace ainet::crypto {

namespace {

detail::EvpCipher evp_of(size_t key_bits) {
  return key_bits == 128   ? detail::EvpCipher::aes128_gcm
         : key_bits == 192 ? detail::EvpCipher::aes192_gcm
                           : detail::EvpCipher::aes256_gcm;
}

}  // namespace

Result<Gmac> Gmac::make(ByteSpan key) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) return Errc::invalid_argument;
  Gmac g;
  if (!g.key_.assign(static_cast<uint8_t>(key.size()), key)) return Errc::invalid_argument;
  // Keyed on first use; an OpenSSL failure to make the context shows here.
  if (!detail::prepare_cipher_ctx(evp_of(g.key_bits()), 1, g.key_.id())) return Errc::crypto_error;
  return g;
}

Result<std::unique_ptr<Gmac>> Gmac::create(ByteSpan key) {
  auto g = make(key);
  if (!g) return g.error();
  return std::make_unique<Gmac>(std::move(*g));
}

void Gmac::forget() {
  if (key_.id() == 0) return;
  detail::forget_cipher_ctx(evp_of(key_bits()), 1, key_.id());
}

Gmac::~Gmac() {
  forget();
}

// The cache way belongs to the id, so a move hands the id over; the source
// is left unkeyed (KeyBytes' move wipes its key bytes and id).
Gmac::Gmac(Gmac&& o) noexcept : key_(std::move(o.key_)) {}

Gmac& Gmac::operator=(Gmac&& o) noexcept {
  if (this != &o) {
    forget();
    key_ = std::move(o.key_);
  }
  return *this;
}

Errc Gmac::compute(ByteSpan nonce, std::initializer_list<ByteSpan> parts, MutByteSpan tag_out) {
  if (key_.id() == 0) return Errc::invalid_argument;  // unkeyed (moved-from or default)
  if (nonce.size() != kGmacNonceSize || tag_out.size() != kGmacTagSize)
    return Errc::invalid_argument;
  for (ByteSpan p : parts) {
    if (!detail::fits_int(p.size())) return Errc::invalid_argument;
  }
  EVP_CIPHER_CTX* ctx = detail::keyed_cipher_ctx(evp_of(key_bits()), 1, key_.id(), key_.data());
  if (ctx == nullptr) return Errc::crypto_error;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1)
    return Errc::crypto_error;
  int outl = 0;
  for (ByteSpan p : parts) {
    // out == NULL marks the input as AAD.
    if (!p.empty() &&
        EVP_EncryptUpdate(ctx, nullptr, &outl, p.data(), static_cast<int>(p.size())) != 1)
      return Errc::crypto_error;
  }
  uint8_t none[16];  // GCM's Final writes no bytes; this only gives it a valid pointer
  if (EVP_EncryptFinal_ex(ctx, none, &outl) != 1 ||
      !detail::get_aead_tag(ctx, tag_out.data(), kGmacTagSize))
    return Errc::crypto_error;
  return Errc::ok;
}

Errc Gmac::verify(ByteSpan nonce, std::initializer_list<ByteSpan> parts, ByteSpan tag) {
  if (tag.size() != kGmacTagSize) return Errc::invalid_argument;
  uint8_t got[kGmacTagSize];
  const Errc e = compute(nonce, parts, got);
  if (e != Errc::ok) return e;
  return CRYPTO_memcmp(got, tag.data(), kGmacTagSize) == 0 ? Errc::ok : Errc::auth_failed;
}

}  // namespace ainet::crypto
