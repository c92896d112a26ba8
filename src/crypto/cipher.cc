// Unauthenticated ciphers over OpenSSL EVP: AES-CBC (RFC 3602), AES-CTR
// (full 16-byte counter block, as the onion layers use it), raw ChaCha20
// (RFC 8439 §2.4) and AES-ECB (FIPS 197, the per-hop nonce PRP).
// The key bytes are kept in the object and the keyed EVP context comes from
// the thread's context cache (context_cache.h); each call re-initialises only
// the IV, so no call allocates (tests/unit/crypto/no_alloc_test.cc).
#include "crypto/cipher.h"

#include <openssl/evp.h>

#include "crypto/context_cache.h"
#include "crypto/evp_checks.h"

namespace ainet::crypto {

namespace {

bool is_block_mode(CipherAlg alg) {
  return alg == CipherAlg::aes128_cbc || alg == CipherAlg::aes256_cbc ||
         alg == CipherAlg::aes128_ecb || alg == CipherAlg::aes256_ecb;
}

// CipherAlg and the first detail::EvpCipher values are in the same order.
detail::EvpCipher evp_of(CipherAlg alg) {
  return static_cast<detail::EvpCipher>(alg);
}
static_assert(static_cast<int>(detail::EvpCipher::aes256_ecb) ==
              static_cast<int>(CipherAlg::aes256_ecb));

// Stream modes decrypt by encrypting, so they use the encrypt context; only
// the block modes need the inverse key schedule.
int direction(CipherAlg alg, bool encrypt) {
  return encrypt || !is_block_mode(alg) ? 1 : 0;
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

Result<Cipher> Cipher::make(CipherAlg alg, ByteSpan key) {
  const size_t key_size = cipher_key_size(alg);  // 0: not an algorithm
  if (key_size == 0 || key.size() != key_size) return Errc::invalid_argument;
  Cipher c;
  if (!c.key_.assign(static_cast<uint8_t>(alg), key)) return Errc::invalid_argument;
  // The thread's contexts get their key on first use (context_cache.h
  // prepare_cipher_ctx); an OpenSSL failure to make them shows here.
  if (!detail::prepare_cipher_ctx(evp_of(alg), 1, c.key_.id()) ||
      (is_block_mode(alg) && !detail::prepare_cipher_ctx(evp_of(alg), 0, c.key_.id())))
    return Errc::crypto_error;
  return c;
}

Result<std::unique_ptr<Cipher>> Cipher::create(CipherAlg alg, ByteSpan key) {
  auto c = make(alg, key);
  if (!c) return c.error();
  return std::make_unique<Cipher>(std::move(*c));
}

void Cipher::forget() {
  if (key_.id() == 0) return;
  detail::forget_cipher_ctx(evp_of(alg()), 1, key_.id());
  if (is_block_mode(alg())) detail::forget_cipher_ctx(evp_of(alg()), 0, key_.id());
}

Cipher::~Cipher() { forget(); }

// The cache ways belong to the id, so a move hands the id over; the source
// is left unkeyed (KeyBytes' move wipes its key bytes and id).
Cipher::Cipher(Cipher&& o) noexcept : key_(std::move(o.key_)) {}

Cipher& Cipher::operator=(Cipher&& o) noexcept {
  if (this != &o) {
    forget();
    key_ = std::move(o.key_);
  }
  return *this;
}

static Errc run(const detail::KeyBytes<32>& key, bool encrypt, ByteSpan iv, ByteSpan in,
                MutByteSpan out) {
  const auto alg = static_cast<CipherAlg>(key.tag());
  const uint64_t id = key.id();
  if (id == 0) return Errc::invalid_argument;  // unkeyed (moved-from or default)
  if (iv.size() != cipher_iv_size(alg) || out.size() != in.size() || !detail::fits_int(in.size()) ||
      detail::partially_overlaps(out.data(), in.data(), in.size()) ||
      (is_block_mode(alg) && in.size() % 16 != 0))
    return Errc::invalid_argument;
  EVP_CIPHER_CTX* ctx =
      detail::keyed_cipher_ctx(evp_of(alg), direction(alg, encrypt), id, key.data());
  if (ctx == nullptr) return Errc::crypto_error;
  // A mode with an IV starts each call from its IV. ECB has no state
  // between whole blocks (padding is off and the length is a multiple of 16,
  // so nothing is ever buffered), and re-initialising it is not free in
  // OpenSSL 3.0: each init re-sends "padding = 0" to the provider, a
  // parameter lookup by name, on every per-hop nonce PRP of every cell.
  if (!iv.empty() && EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), -1) != 1)
    return Errc::crypto_error;
  if (in.empty()) return Errc::ok;
  int outl = 0;
  if (EVP_CipherUpdate(ctx, out.data(), &outl, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<size_t>(outl) != in.size()) {
    // Never leave a partial state behind for the next call (ECB is not
    // re-initialised before it): reset the keyed context's state.
    if (iv.empty()) EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, -1);
    return Errc::crypto_error;
  }
  return Errc::ok;
}

Errc Cipher::encrypt(ByteSpan iv, ByteSpan in, MutByteSpan out) {
  return run(key_, true, iv, in, out);
}

Errc Cipher::decrypt(ByteSpan iv, ByteSpan in, MutByteSpan out) {
  return run(key_, false, iv, in, out);
}

}  // namespace ainet::crypto
