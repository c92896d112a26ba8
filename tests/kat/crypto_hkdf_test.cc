// RFC 5869 Appendix A HKDF test cases, read from ../shared/vectors/rfc.
// SHA-256 (A.1-A.3) go through the public API (one-shot, extract-only and
// expand-only); SHA-1 (A.4-A.7) go through the same code with the digest
// switched (crypto/hkdf_digest.h), since the protocol never uses SHA-1.
// A last test compares every mode with OpenSSL's own one-shot EVP_KDF "HKDF"
// on random inputs, since ainet does Extract as one HMAC on a per-thread
// context (crypto/hkdf.cc).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstdio>
#include <random>
#include <string>

#include "crypto/hkdf_digest.h"
#include "crypto/kex.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

TEST(CryptoHkdfKat, Rfc5869Sha256) {
  const auto blocks = read_vector_blocks("rfc5869_hkdf_sha256.txt", "COUNT");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE("COUNT " + b.at("COUNT"));
    ASSERT_EQ(b.at("Hash"), "SHA-256");
    const Bytes ikm = hex_field(b, "IKM"), salt = hex_field(b, "salt"), info = hex_field(b, "info");
    const Bytes prk = hex_field(b, "PRK"), okm = hex_field(b, "OKM");
    const size_t l = std::stoul(b.at("L"));
    ASSERT_EQ(okm.size(), l);

    Bytes out(l);
    ASSERT_EQ(hkdf_sha256(salt, ikm, info, out), Errc::ok);
    EXPECT_EQ(to_hex(out), to_hex(okm));

    uint8_t prk_out[32];
    ASSERT_EQ(hkdf_extract_sha256(salt, ikm, prk_out), Errc::ok);
    EXPECT_EQ(to_hex(prk_out), to_hex(prk));

    Bytes out2(l);
    ASSERT_EQ(hkdf_expand_sha256(prk, info, out2), Errc::ok);
    EXPECT_EQ(to_hex(out2), to_hex(okm));
  }
}

TEST(CryptoHkdfKat, Rfc5869Sha1ViaSamePath) {
  using detail::HkdfDigest;
  using detail::HkdfMode;
  const auto blocks = read_vector_blocks("rfc5869_hkdf_sha1.txt", "COUNT");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE("COUNT " + b.at("COUNT"));
    ASSERT_EQ(b.at("Hash"), "SHA-1");
    const Bytes ikm = hex_field(b, "IKM"), salt = hex_field(b, "salt"), info = hex_field(b, "info");
    const Bytes prk = hex_field(b, "PRK"), okm = hex_field(b, "OKM");
    const size_t l = std::stoul(b.at("L"));
    ASSERT_EQ(okm.size(), l);

    Bytes out(l);
    ASSERT_EQ(detail::hkdf(HkdfDigest::sha1, HkdfMode::extract_and_expand, salt, ikm, info, out),
              Errc::ok);
    EXPECT_EQ(to_hex(out), to_hex(okm));
    uint8_t prk_out[20];
    ASSERT_EQ(detail::hkdf(HkdfDigest::sha1, HkdfMode::extract_only, salt, ikm, {}, prk_out),
              Errc::ok);
    EXPECT_EQ(to_hex(prk_out), to_hex(prk));
    Bytes out2(l);
    ASSERT_EQ(detail::hkdf(HkdfDigest::sha1, HkdfMode::expand_only, {}, prk, info, out2), Errc::ok);
    EXPECT_EQ(to_hex(out2), to_hex(okm));
  }
}

// OpenSSL's HKDF made the plain way: a new context with every parameter.
Bytes openssl_hkdf(detail::HkdfDigest d, detail::HkdfMode m, const Bytes& salt, const Bytes& key,
                   const Bytes& info, size_t len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  char digest[8] = "SHA256";
  if (d == detail::HkdfDigest::sha1) std::snprintf(digest, sizeof digest, "SHA1");
  int mode = m == detail::HkdfMode::extract_only  ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY
             : m == detail::HkdfMode::expand_only ? EVP_KDF_HKDF_MODE_EXPAND_ONLY
                                                  : EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
  uint8_t dummy = 0;
  auto p = [&](const Bytes& b) { return b.empty() ? &dummy : const_cast<uint8_t*>(b.data()); };
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, p(key), key.size());
  if (!salt.empty())
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, p(salt), salt.size());
  if (!info.empty())
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, p(info), info.size());
  params[n] = OSSL_PARAM_construct_end();
  Bytes out(len);
  const int ok = ctx != nullptr ? EVP_KDF_derive(ctx, out.data(), out.size(), params) : 0;
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) out.clear();
  return out;
}

TEST(CryptoHkdf, MatchesOpenSslOneShotOnRandomInputs) {
  using detail::HkdfDigest;
  using detail::HkdfMode;
  std::mt19937 gen(5869);
  auto bytes = [&](size_t max) {
    Bytes b(std::uniform_int_distribution<size_t>(0, max)(gen));
    for (auto& x : b) x = static_cast<uint8_t>(gen());
    return b;
  };
  for (int i = 0; i < 600; ++i) {
    const auto d = i % 2 ? HkdfDigest::sha1 : HkdfDigest::sha256;
    const auto m = static_cast<HkdfMode>((i / 2) % 3);
    const size_t hash_len = mac_digest_size(d);
    SCOPED_TRACE("case " + std::to_string(i));
    // Salts longer than the HMAC block (64) are hashed first (RFC 2104 §2).
    const Bytes salt = bytes(100), info = bytes(300);
    Bytes key = bytes(80);
    if (m == HkdfMode::expand_only && key.size() < hash_len) key.resize(hash_len, 0x5a);
    const size_t len = m == HkdfMode::extract_only
                           ? hash_len
                           : std::uniform_int_distribution<size_t>(1, 255 * hash_len)(gen);
    const Bytes want = openssl_hkdf(d, m, salt, key, info, len);
    ASSERT_EQ(want.size(), len);
    Bytes got(len);
    ASSERT_EQ(detail::hkdf(d, m, salt, key, info, got), Errc::ok);
    EXPECT_EQ(to_hex(got), to_hex(want));
  }
}

}  // namespace
}  // namespace ainet::crypto
