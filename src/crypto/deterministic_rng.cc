// DeterministicRng: the ChaCha20 keystream (RFC 8439 §2.4) under
// key = SHA-256(seed as 8 big-endian bytes), nonce = 0, counter = 0.
// Identical bytes on every run and platform, which the simulation relies on.
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "crypto/hmac.h"
#include "crypto/rng.h"

namespace ainet::crypto {

DeterministicRng::DeterministicRng(uint64_t seed) {
  uint8_t seed_be[8];
  store_be64(seed_be, seed);
  Secret<32> key;
  key.resize(32);
  uint8_t iv[16] = {};  // OpenSSL layout: 4-byte LE block counter (0) || 12-byte nonce (0)
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  // A constructor has no error path; failing here is out-of-memory or a broken
  // OpenSSL install, and a generator that silently returned zeros would be worse.
  if (ctx == nullptr || sha256({ByteSpan(seed_be)}, key.mut_span()) != Errc::ok ||
      EVP_EncryptInit_ex(ctx, EVP_chacha20(), nullptr, key.data(), iv) != 1) {
    std::abort();
  }
  ctx_ = ctx;
}

DeterministicRng::~DeterministicRng() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));
}

void DeterministicRng::fill(MutByteSpan out) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  if (!out.empty()) std::memset(out.data(), 0, out.size());
  size_t off = 0;
  while (off < out.size()) {
    const size_t n = std::min<size_t>(out.size() - off, INT_MAX);
    int outl = 0;
    // Encrypting zeros in place yields the raw keystream; the context keeps
    // its position, so consecutive fills continue the same stream.
    if (EVP_EncryptUpdate(ctx, out.data() + off, &outl, out.data() + off, static_cast<int>(n)) != 1)
      std::abort();
    off += n;
  }
}

}  // namespace ainet::crypto
