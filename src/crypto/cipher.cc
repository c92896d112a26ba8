// Unauthenticated ciphers over OpenSSL EVP: AES-CBC (RFC 3602), AES-CTR
// (full 16-byte counter block, as the onion layers use it), raw ChaCha20
// (RFC 8439 §2.4) and AES-ECB (FIPS 197, the per-hop nonce PRP).
// Keyed once in create(); each call re-initialises only the IV, so no call
// allocates (tests/unit/crypto/no_alloc_test.cc).
#include "crypto/cipher.h"

#include <openssl/evp.h>

#include "crypto/evp_checks.h"

namespace ainet::crypto {

namespace {

const char* cipher_name(CipherAlg alg) {
  switch (alg) {
    case CipherAlg::aes128_cbc:
      return "AES-128-CBC";
    case CipherAlg::aes256_cbc:
      return "AES-256-CBC";
    case CipherAlg::aes128_ctr:
      return "AES-128-CTR";
    case CipherAlg::aes256_ctr:
      return "AES-256-CTR";
    case CipherAlg::chacha20:
      return "ChaCha20";
    case CipherAlg::aes128_ecb:
      return "AES-128-ECB";
    case CipherAlg::aes256_ecb:
      return "AES-256-ECB";
  }
  return nullptr;
}

bool is_block_mode(CipherAlg alg) {
  return alg == CipherAlg::aes128_cbc || alg == CipherAlg::aes256_cbc ||
         alg == CipherAlg::aes128_ecb || alg == CipherAlg::aes256_ecb;
}

EVP_CIPHER_CTX* keyed_ctx(const EVP_CIPHER* cipher, ByteSpan key, int enc, bool no_padding) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return nullptr;
  if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, enc) != 1 ||
      // RFC 4303 §2.4: ESP pads for itself; the cipher must add nothing.
      (no_padding && EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace

size_t cipher_key_size(CipherAlg alg) {
  switch (alg) {
    case CipherAlg::aes128_cbc:
    case CipherAlg::aes128_ctr:
    case CipherAlg::aes128_ecb:
      return 16;
    case CipherAlg::aes256_cbc:
    case CipherAlg::aes256_ctr:
    case CipherAlg::chacha20:
    case CipherAlg::aes256_ecb:
      return 32;
  }
  return 0;
}

size_t cipher_iv_size(CipherAlg alg) {
  switch (alg) {
    case CipherAlg::aes128_ecb:
    case CipherAlg::aes256_ecb:
      return 0;
    case CipherAlg::aes128_cbc:
    case CipherAlg::aes256_cbc:
    case CipherAlg::aes128_ctr:
    case CipherAlg::aes256_ctr:
    case CipherAlg::chacha20:
      return 16;
  }
  return 0;
}

Result<std::unique_ptr<Cipher>> Cipher::create(CipherAlg alg, ByteSpan key) {
  const char* name = cipher_name(alg);
  if (name == nullptr || key.size() != cipher_key_size(alg)) return Errc::invalid_argument;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) return Errc::crypto_error;
  std::unique_ptr<Cipher> c(new Cipher());
  c->alg_ = alg;
  const bool block = is_block_mode(alg);
  c->enc_ = keyed_ctx(cipher, key, 1, block);
  // Stream modes decrypt by encrypting; only the block modes need the inverse
  // key schedule.
  c->dec_ = block ? keyed_ctx(cipher, key, 0, true) : nullptr;
  EVP_CIPHER_free(cipher);
  if (c->enc_ == nullptr || (block && c->dec_ == nullptr)) return Errc::crypto_error;
  return c;
}

Cipher::~Cipher() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(enc_));
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(dec_));
}

static Errc run(void* vctx, CipherAlg alg, ByteSpan iv, ByteSpan in, MutByteSpan out) {
  if (iv.size() != cipher_iv_size(alg) || out.size() != in.size() || !detail::fits_int(in.size()) ||
      detail::partially_overlaps(out.data(), in.data(), in.size()) ||
      (is_block_mode(alg) && in.size() % 16 != 0))
    return Errc::invalid_argument;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(vctx);
  // Re-initialising resets the chaining/counter state even for ECB, so a
  // previous failed call can never leave bytes buffered in the context.
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.empty() ? nullptr : iv.data(), -1) != 1)
    return Errc::crypto_error;
  if (in.empty()) return Errc::ok;
  int outl = 0;
  if (EVP_CipherUpdate(ctx, out.data(), &outl, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<size_t>(outl) != in.size())
    return Errc::crypto_error;
  return Errc::ok;
}

Errc Cipher::encrypt(ByteSpan iv, ByteSpan in, MutByteSpan out) {
  return run(enc_, alg_, iv, in, out);
}

Errc Cipher::decrypt(ByteSpan iv, ByteSpan in, MutByteSpan out) {
  return run(dec_ != nullptr ? dec_ : enc_, alg_, iv, in, out);
}

}  // namespace ainet::crypto
