// HKDF (RFC 5869) via EVP_KDF "HKDF". Called once per handshake, not per
// packet.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/hkdf_digest.h"
#include "crypto/kex.h"
#include "crypto/kex_counts.h"

namespace ainet::crypto {

namespace detail {

size_t hkdf_digest_size(HkdfDigest d) {
  return d == HkdfDigest::sha1 ? 20 : 32;
}

Errc hkdf(HkdfDigest d, HkdfMode mode, ByteSpan salt, ByteSpan key, ByteSpan info,
          MutByteSpan out) {
  const size_t hash_len = hkdf_digest_size(d);
  if (mode == HkdfMode::extract_only ? out.size() != hash_len
                                     : (out.empty() || out.size() > 255 * hash_len))
    return Errc::invalid_argument;  // RFC 5869 §2.3: L <= 255*HashLen
  // RFC 5869 §2.3: the PRK is at least HashLen octets.
  if (mode == HkdfMode::expand_only && key.size() < hash_len) return Errc::invalid_argument;
  ++mutable_kex_counts().hkdf;

  // Fetched once for the process (an EVP_KDF is immutable and may be shared
  // by threads): a fetch per call was a method-store lookup under a lock,
  // 12 per ANT set-up (issue 10, set-up cost).
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return Errc::crypto_error;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  if (ctx == nullptr) return Errc::crypto_error;

  char digest_name[8] = "SHA256";
  if (d == HkdfDigest::sha1) digest_name[3] = '1', digest_name[4] = '\0';  // "SHA1"
  int evp_mode = EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
  if (mode == HkdfMode::extract_only) evp_mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  if (mode == HkdfMode::expand_only) evp_mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

  // OSSL_PARAM takes non-const pointers but only reads through them here.
  auto mut = [](ByteSpan s) { return const_cast<uint8_t*>(s.data()); };
  // An empty IKM is legal (RFC 5869 §2.2); give OpenSSL a valid pointer.
  uint8_t empty_key = 0;
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0);
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &evp_mode);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  key.empty() ? &empty_key : mut(key), key.size());
  // RFC 5869 §2.2: an absent salt means HashLen zero octets. OpenSSL applies
  // that default when no salt is passed, so an empty salt is simply omitted.
  if (!salt.empty() && mode != HkdfMode::expand_only)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mut(salt), salt.size());
  if (!info.empty() && mode != HkdfMode::extract_only)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mut(info), info.size());
  params[n] = OSSL_PARAM_construct_end();

  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);  // cleanses its copies of key and salt
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
