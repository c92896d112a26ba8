// HKDF (RFC 5869). A few calls per hop handshake, so ANT set-up rate feels
// their overhead (issue 10, set-up cost). OpenSSL 3.0's EVP_KDF "HKDF" costs
// about 2.3 us per call made the plain way (a new context and a digest fetch
// by name per call, and its Extract step calls EVP_Q_mac, which fetches HMAC
// and the digest by name again), against about 1.4 us for the same HMAC
// work done as below, wipes included (a standalone loop, issue 10 notes):
//   * Extract (RFC 5869 §2.2) is its definition, one HMAC-Hash(salt, IKM)
//     (crypto/hmac_once.h: the thread's HMAC context, digest set once);
//   * Expand (RFC 5869 §2.3) stays OpenSSL's HKDF, on the thread's EVP_KDF
//     context in EXPAND_ONLY mode whose digest was set once; each call sets
//     only the PRK and info.
// Both contexts are re-keyed with zeros after each call, so no PRK or IKM
// stays in a thread's memory after the call (the old per-call contexts were
// freed, which cleansed them).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <optional>

#include "crypto/hkdf_digest.h"
#include "crypto/hmac_once.h"
#include "crypto/kex.h"
#include "crypto/kex_counts.h"
#include "crypto/thread_owned.h"

namespace ainet::crypto {

namespace detail {
namespace {

constexpr size_t kMaxHashLen = 32;
// RFC 5869 §2.2: an absent salt is HashLen zero octets. Also the key that
// wipes a context after use.
constexpr std::array<uint8_t, kMaxHashLen> kZeros{};

// OSSL_PARAM takes non-const pointers but only reads through them here.
uint8_t* mut(const uint8_t* p) { return const_cast<uint8_t*>(p); }

template <HkdfDigest D>
EVP_KDF_CTX* new_expand() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* c = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, mac_digest_name(D), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_end(),
  };
  if (c != nullptr && EVP_KDF_CTX_set_params(c, params) != 1) {
    EVP_KDF_CTX_free(c);
    c = nullptr;
  }
  return c;
}

// RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM), into prk (HashLen bytes).
template <HkdfDigest D>
bool extract(ByteSpan salt, ByteSpan ikm, MutByteSpan prk) {
  // An absent salt is HashLen zeros (hmac_once refuses an empty key).
  if (salt.empty()) salt = ByteSpan(kZeros.data(), prk.size());
  return hmac_once(D, salt, {ikm}, prk) == Errc::ok;
}

// RFC 5869 §2.3: OKM = T(1) | T(2) | ... from PRK and info (OpenSSL's HKDF).
template <HkdfDigest D>
bool expand(ByteSpan prk, ByteSpan info, MutByteSpan out) {
  // An INFO parameter replaces the last call's info, but OpenSSL 3.0.19
  // crashes deriving after an empty one. So an empty info (never used by the
  // protocol; RFC 5869 A.3 has one) gets a fresh context with no INFO.
  using Ctx = ThreadOwnedOrFresh<EVP_KDF_CTX, new_expand<D>, EVP_KDF_CTX_free>;
  std::optional<Ctx> thread_ctx;
  EVP_KDF_CTX* fresh = nullptr;
  EVP_KDF_CTX* ctx = nullptr;
  if (info.empty()) {
    ctx = fresh = new_expand<D>();
  } else {
    ctx = thread_ctx.emplace().get();
  }
  if (ctx == nullptr) return false;
  OSSL_PARAM params[3];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mut(prk.data()), prk.size());
  if (!info.empty())
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mut(info.data()),
                                                    info.size());
  params[n] = OSSL_PARAM_construct_end();
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  // The context keeps a copy of the PRK; replacing it frees that copy with
  // OPENSSL_clear_free (and freeing a fresh context cleanses it).
  const OSSL_PARAM wipe[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mut(kZeros.data()), kZeros.size()),
      OSSL_PARAM_construct_end(),
  };
  const bool wiped = fresh != nullptr || EVP_KDF_CTX_set_params(ctx, wipe) == 1;
  EVP_KDF_CTX_free(fresh);
  return ok && wiped;
}

template <HkdfDigest D>
bool run(HkdfMode mode, ByteSpan salt, ByteSpan key, ByteSpan info, MutByteSpan out) {
  const size_t hash_len = mac_digest_size(D);
  if (mode == HkdfMode::extract_only) return extract<D>(salt, key, out);
  if (mode == HkdfMode::expand_only) return expand<D>(key, info, out);
  std::array<uint8_t, kMaxHashLen> prk{};
  const MutByteSpan prk_span(prk.data(), hash_len);
  const bool ok = extract<D>(salt, key, prk_span) && expand<D>(prk_span, info, out);
  OPENSSL_cleanse(prk.data(), prk.size());
  return ok;
}

}  // namespace

Errc hkdf(HkdfDigest d, HkdfMode mode, ByteSpan salt, ByteSpan key, ByteSpan info,
          MutByteSpan out) {
  const size_t hash_len = mac_digest_size(d);
  if (mode == HkdfMode::extract_only ? out.size() != hash_len
                                     : (out.empty() || out.size() > 255 * hash_len))
    return Errc::invalid_argument;  // RFC 5869 §2.3: L <= 255*HashLen
  // RFC 5869 §2.3: the PRK is at least HashLen octets.
  if (mode == HkdfMode::expand_only && key.size() < hash_len) return Errc::invalid_argument;
  ++mutable_kex_counts().hkdf;
  const bool ok = d == HkdfDigest::sha1 ? run<HkdfDigest::sha1>(mode, salt, key, info, out)
                                        : run<HkdfDigest::sha256>(mode, salt, key, info, out);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok ? Errc::ok : Errc::crypto_error;
}

}  // namespace detail

Errc hkdf_sha256(ByteSpan salt, ByteSpan ikm, ByteSpan info, MutByteSpan out) {
  return detail::hkdf(detail::HkdfDigest::sha256, detail::HkdfMode::extract_and_expand, salt, ikm,
                      info, out);
}

Errc hkdf_extract_sha256(ByteSpan salt, ByteSpan ikm, MutByteSpan prk32) {
  return detail::hkdf(detail::HkdfDigest::sha256, detail::HkdfMode::extract_only, salt, ikm, {},
                      prk32);
}

Errc hkdf_expand_sha256(ByteSpan prk, ByteSpan info, MutByteSpan out) {
  return detail::hkdf(detail::HkdfDigest::sha256, detail::HkdfMode::expand_only, {}, prk, info,
                      out);
}

}  // namespace ainet::crypto
