// RFC 5869 Appendix A HKDF test cases, read from ../shared/vectors/rfc.
// SHA-256 (A.1-A.3) go through the public API (one-shot, extract-only and
// expand-only); SHA-1 (A.4-A.7) go through the same EVP_KDF code with the
// digest switched (crypto/hkdf_digest.h), since the protocol never uses SHA-1.
#include <gtest/gtest.h>

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

TEST(CryptoHkdfKat, Rfc5869Sha1ViaSameEvpKdfPath) {
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

}  // namespace
}  // namespace ainet::crypto
