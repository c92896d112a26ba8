// HMAC-SHA-256 (RFC 2104) via EVP_MAC "HMAC". The object keeps the key bytes;
// the keyed EVP_MAC_CTX comes from the thread's context cache
// (context_cache.h). compute() re-initialises it with a NULL key, which
// OpenSSL defines as "reuse the key already set" (EVP_MAC_init(3)), so a hot
// object's key is not installed again.
//
// Allocation note (measured by tests/unit/crypto/no_alloc_test.cc): with
// OpenSSL 3.0, HMAC re-init and final each restore a saved SHA-256 state
// with EVP_MD_CTX_copy_ex, which duplicates the provider digest context on
// the heap. So each compute() makes a small, constant number of
// malloc/free pairs inside libcrypto, independent of the data length. EVP
// offers no allocation-free HMAC there short of re-implementing HMAC on top
// of raw digests, which the house rules forbid.
#include "crypto/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "crypto/context_cache.h"

namespace ainet::crypto {

template <size_t N>
Result<BasicHmac<N>> BasicHmac<N>::make(ByteSpan key) {
  // RFC 2104 §2 allows any key length, RFC 4868 §2.1.1 uses 32 bytes for
  // HMAC-SHA-256-128; an empty key is always a caller error.
  if (key.empty()) return Errc::invalid_argument;
  BasicHmac h;
  if (key.size() > kSha256BlockSize) {
    // RFC 2104 §2: a key longer than the block size (64 bytes for SHA-256)
    // is first hashed; HMAC with the hash as key is the same function.
    uint8_t digest[kSha256Size];
    if (sha256({key}, digest) != Errc::ok) return Errc::crypto_error;
    (void)h.key_.assign(static_cast<uint8_t>(sizeof digest), ByteSpan(digest, sizeof digest));
    OPENSSL_cleanse(digest, sizeof digest);
  } else if (!h.key_.assign(static_cast<uint8_t>(key.size()), key)) {
    // Only a capacity below the block size (Hmac32) gets here: a key it
    // cannot hold as is. Truncating it would change the MAC.
    return Errc::invalid_argument;
  }
  // Keyed now, unlike the ciphers (context_cache.h prepare_cipher_ctx):
  // OpenSSL 3 allocates on every HMAC key (EVP_MAC_init with a key), so a
  // key first given on the packet path would allocate there; keyed here, an
  // SA's MAC key allocates only if other objects evicted it.
  if (detail::keyed_hmac_ctx(h.key_.id(), h.key_.data(), h.key_.tag()) == nullptr)
    return Errc::crypto_error;
  return h;
}

template <size_t N>
Result<std::unique_ptr<BasicHmac<N>>> BasicHmac<N>::create(ByteSpan key) {
  auto h = make(key);
  if (!h) return h.error();
  return std::make_unique<BasicHmac>(std::move(*h));
}

template <size_t N>
void BasicHmac<N>::forget() {
  if (key_.id() == 0) return;
  detail::forget_hmac_ctx(key_.id());
}

template <size_t N>
BasicHmac<N>::~BasicHmac() {
  forget();
}

// The cache way belongs to the id, so a move hands the id over; the source
// is left unkeyed (KeyBytes' move wipes its key bytes and id).
template <size_t N>
BasicHmac<N>::BasicHmac(BasicHmac&& o) noexcept : key_(std::move(o.key_)) {}

template <size_t N>
BasicHmac<N>& BasicHmac<N>::operator=(BasicHmac&& o) noexcept {
  if (this != &o) {
    forget();
    key_ = std::move(o.key_);
  }
  return *this;
}

template <size_t N>
Errc BasicHmac<N>::compute(std::initializer_list<ByteSpan> parts, MutByteSpan out) {
  if (key_.id() == 0) return Errc::invalid_argument;  // unkeyed (moved-from or default)
  EVP_MAC_CTX* ctx = detail::keyed_hmac_ctx(key_.id(), key_.data(), key_.tag());
  if (ctx == nullptr || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) return Errc::crypto_error;
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

template <size_t N>
Errc BasicHmac<N>::verify(std::initializer_list<ByteSpan> parts, ByteSpan expected) {
  // An empty or over-long expected value would make the comparison vacuous
  // or impossible; neither is a valid ICV.
  if (expected.empty() || expected.size() > kSha256Size) return Errc::invalid_argument;
  uint8_t got[kSha256Size];
  const Errc e = compute(parts, MutByteSpan(got, expected.size()));
  if (e != Errc::ok) return e;
  // Constant time, so the position of the first wrong byte does not leak.
  return CRYPTO_memcmp(got, expected.data(), expected.size()) == 0 ? Errc::ok : Errc::auth_failed;
}

template class BasicHmac<kSha256BlockSize>;
template class BasicHmac<kSha256Size>;

}  // namespace ainet::crypto
