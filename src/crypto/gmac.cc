// AES-GMAC (RFC 4543) as AES-GCM with all input as AAD and no plaintext.
// The GCM tag then depends only on the AAD (RFC 4543 §2 / GCM spec §2.3 with
// P empty), which is exactly GMAC.
#include "crypto/gmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/evp_checks.h"

namespace ainet::crypto {

Result<std::unique_ptr<Gmac>> Gmac::create(ByteSpan key) {
  const char* name = nullptr;
  switch (key.size()) {
    case 16:
      name = "AES-128-GCM";
      break;
    case 24:
      name = "AES-192-GCM";
      break;
    case 32:
      name = "AES-256-GCM";
      break;
    default:
      return Errc::invalid_argument;
  }
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) return Errc::crypto_error;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok) {
    EVP_CIPHER_CTX_free(ctx);
    return Errc::crypto_error;
  }
  std::unique_ptr<Gmac> g(new Gmac());
  g->key_bits_ = key.size() * 8;
  g->ctx_ = ctx;
  return g;
}

Gmac::~Gmac() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));
}

Errc Gmac::compute(ByteSpan nonce, std::initializer_list<ByteSpan> parts, MutByteSpan tag_out) {
  if (nonce.size() != kGmacNonceSize || tag_out.size() != kGmacTagSize)
    return Errc::invalid_argument;
  for (ByteSpan p : parts) {
    if (!detail::fits_int(p.size())) return Errc::invalid_argument;
  }
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
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
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kGmacTagSize),
                          tag_out.data()) != 1)
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
