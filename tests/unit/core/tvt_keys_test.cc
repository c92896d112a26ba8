// TVT key derivation (docs/protocol.md "PVT signaling message").
#include "core/tvt_keys.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "crypto/kex.h"

namespace ainet::core {
namespace {

// Independent computation of the documented formula for one transform.
void expect_hkdf_definition(TvtIntegrity integrity, const char* label, size_t each) {
  std::array<uint8_t, 32> secret;
  std::array<uint8_t, 16> nonce;
  for (size_t i = 0; i < 32; ++i) secret[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < 16; ++i) nonce[i] = static_cast<uint8_t>(0xa0 + i);
  TvtKeys k;
  ASSERT_EQ(derive_tvt_keys(integrity, secret, nonce, 0x01020304, 0xa1b2c3d4, k), Errc::ok);
  Bytes info(label, label + std::strlen(label));
  for (uint8_t b : {0x01, 0x02, 0x03, 0x04, 0xa1, 0xb2, 0xc3, 0xd4}) info.push_back(b);
  Bytes okm(2 * each);
  ASSERT_EQ(crypto::hkdf_sha256(nonce, secret, info, okm), Errc::ok);
  ASSERT_EQ(k.fwd.size(), each);
  ASSERT_EQ(k.bwd.size(), each);
  EXPECT_EQ(0, std::memcmp(k.fwd.data(), okm.data(), each));
  EXPECT_EQ(0, std::memcmp(k.bwd.data(), okm.data() + each, each));
  EXPECT_NE(0, std::memcmp(k.fwd.data(), k.bwd.data(), each));
}

TEST(TvtKeys, MatchesHkdfDefinition) {
  expect_hkdf_definition(TvtIntegrity::hmac_sha256_128, "ainet-tvt-v1", 32);
  // RFC 4543 §8.1: AES-256-GMAC KEYMAT is the 32-byte key and a 4-byte salt.
  expect_hkdf_definition(TvtIntegrity::aes256_gmac, "ainet-tvt-gmac-v1", 36);
}

// The two transforms never share key bytes for the same CREATE.
TEST(TvtKeys, TransformsGetUnrelatedKeys) {
  std::array<uint8_t, 32> secret{7};
  std::array<uint8_t, 16> nonce{8};
  TvtKeys h, g;
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::hmac_sha256_128, secret, nonce, 10, 20, h), Errc::ok);
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 10, 20, g), Errc::ok);
  EXPECT_NE(0, std::memcmp(h.fwd.data(), g.fwd.data(), 32));
  EXPECT_NE(0, std::memcmp(h.bwd.data(), g.bwd.data(), 32));
}

TEST(TvtKeys, EveryInputMatters) {
  std::array<uint8_t, 32> secret{1};
  std::array<uint8_t, 16> nonce{2};
  TvtKeys base, other;
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 10, 20, base), Errc::ok);
  const auto differs = [&] { return std::memcmp(base.fwd.data(), other.fwd.data(), 32) != 0; };
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 11, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 10, 21, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 20, 10, other), Errc::ok);
  EXPECT_TRUE(differs());
  auto n2 = nonce;
  n2[15] ^= 1;
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, n2, 10, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  auto s2 = secret;
  s2[31] ^= 1;
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, s2, nonce, 10, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, nonce, 10, 20, other), Errc::ok);
  EXPECT_FALSE(differs());
}

TEST(TvtKeys, BadArguments) {
  std::array<uint8_t, 32> secret{};
  std::array<uint8_t, 15> short_nonce{};
  TvtKeys k;
  EXPECT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, secret, short_nonce, 1, 2, k), Errc::invalid_argument);
  std::array<uint8_t, 16> nonce{};
  EXPECT_EQ(derive_tvt_keys(TvtIntegrity::aes256_gmac, ByteSpan(), nonce, 1, 2, k), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::core
