// HMAC-SHA-256 (RFC 2104) via EVP_MAC "HMAC". The key is installed once in
// create(); compute() re-initialises the same EVP_MAC_CTX with a NULL key,
// which OpenSSL defines as "reuse the key already set" (EVP_MAC_init(3)), so
// the key is never copied again.
//
// Allocation note (measured by tests/unit/crypto/no_alloc_test.cc): with
// OpenSSL 3.0, HMAC re-init and final each restore a saved SHA-256 state
// with EVP_MD_CTX_copy_ex, which duplicates the provider digest context on
// the heap. So each compute() makes a small, constant number of
// malloc/free pairs inside libcrypto, independent of the data length. EVP
// offers no allocation-free HMAC there short of re-implementing HMAC on top
// of raw digests, which the house rules forbid.
#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>

namespace ainet::crypto {

Result<std::unique_ptr<Hmac>> Hmac::create(ByteSpan key) {
  // RFC 2104 §2 allows any key length, RFC 4868 §2.1.1 uses 32 bytes for
  // HMAC-SHA-256-128; an empty key is always a caller error.
  if (key.empty()) return Errc::invalid_argument;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return Errc::crypto_error;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context keeps its own reference
  if (ctx == nullptr) return Errc::crypto_error;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return Errc::crypto_error;
  }
  std::unique_ptr<Hmac> h(new Hmac());
  h->mac_ = ctx;
  // work_ is unused: re-initialising mac_ with a NULL key already restores
  // the keyed state, so a second context would only cost memory.
  return h;
}

Hmac::~Hmac() {
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(mac_));  // cleanses the key pads
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(work_));
}

Errc Hmac::compute(std::initializer_list<ByteSpan> parts, MutByteSpan out) {
  auto* ctx = static_cast<EVP_MAC_CTX*>(mac_);
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) return Errc::crypto_error;
  for (ByteSpan p : parts) {
    if (!p.empty() && EVP_MAC_update(ctx, p.data(), p.size()) != 1) return Errc::crypto_error;
  }
  uint8_t full[kSha256Size];
  size_t len = 0;
  if (EVP_MAC_final(ctx, full, &len, sizeof full) != 1 || len != kSha256Size)
    return Errc::crypto_error;
  // RFC 4868 §2.3: the truncated ICV is the leftmost bytes of the full HMAC.
  const size_t n = std::min(out.size(), kSha256Size);
  if (n != 0) std::memcpy(out.data(), full, n);
  OPENSSL_cleanse(full, sizeof full);
  return Errc::ok;
}

Errc Hmac::verify(std::initializer_list<ByteSpan> parts, ByteSpan expected) {
  // An empty or over-long expected value would make the comparison vacuous
  // or impossible; neither is a valid ICV.
  if (expected.empty() || expected.size() > kSha256Size) return Errc::invalid_argument;
  uint8_t got[kSha256Size];
  const Errc e = compute(parts, MutByteSpan(got, expected.size()));
  if (e != Errc::ok) return e;
  // Constant time, so the position of the first wrong byte does not leak.
  return CRYPTO_memcmp(got, expected.data(), expected.size()) == 0 ? Errc::ok : Errc::auth_failed;
}

}  // namespace ainet::crypto
