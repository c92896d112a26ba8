// HKDF argument checking and consistency of the three entry points.
#include <gtest/gtest.h>

#include "crypto/kex.h"

namespace ainet::crypto {
namespace {

TEST(Hkdf, ExtractThenExpandEqualsOneShot) {
  DeterministicRng rng(60);
  Bytes salt(16), ikm(32), info(10);
  rng.fill(salt);
  rng.fill(ikm);
  rng.fill(info);
  Bytes okm(100), okm2(100);
  uint8_t prk[32];
  ASSERT_EQ(hkdf_sha256(salt, ikm, info, okm), Errc::ok);
  ASSERT_EQ(hkdf_extract_sha256(salt, ikm, prk), Errc::ok);
  ASSERT_EQ(hkdf_expand_sha256(prk, info, okm2), Errc::ok);
  EXPECT_EQ(okm, okm2);
  // Different info, different keys (domain separation).
  info[0] ^= 1;
  ASSERT_EQ(hkdf_sha256(salt, ikm, info, okm2), Errc::ok);
  EXPECT_NE(okm, okm2);
  // A shorter output is a prefix of the longer one (RFC 5869 §2.3 T(1) || T(2) ...).
  Bytes short_okm(40);
  info[0] ^= 1;
  ASSERT_EQ(hkdf_sha256(salt, ikm, info, short_okm), Errc::ok);
  EXPECT_TRUE(std::equal(short_okm.begin(), short_okm.end(), okm.begin()));
}

TEST(Hkdf, LengthLimitsAreInvalidArgument) {
  const Bytes ikm(32, 1);
  Bytes max(255 * 32), too_long(255 * 32 + 1), none;
  EXPECT_EQ(hkdf_sha256({}, ikm, {}, max), Errc::ok);
  EXPECT_EQ(hkdf_sha256({}, ikm, {}, too_long), Errc::invalid_argument);
  EXPECT_EQ(hkdf_sha256({}, ikm, {}, none), Errc::invalid_argument);
  uint8_t prk31[31];
  EXPECT_EQ(hkdf_extract_sha256({}, ikm, prk31), Errc::invalid_argument);
  Bytes out(32);
  EXPECT_EQ(hkdf_expand_sha256(Bytes(31, 1), {}, out), Errc::invalid_argument);
  EXPECT_EQ(hkdf_expand_sha256(Bytes(32, 1), {}, too_long), Errc::invalid_argument);
}

TEST(Hkdf, EmptySaltEqualsHashLenZeroSalt) {
  // RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros".
  const Bytes ikm(22, 0x0b);
  Bytes a(42), b(42);
  ASSERT_EQ(hkdf_sha256({}, ikm, {}, a), Errc::ok);
  ASSERT_EQ(hkdf_sha256(Bytes(32, 0), ikm, {}, b), Errc::ok);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace ainet::crypto
