// TVT AH key derivation (docs/protocol.md "PVT signaling message").
#include "core/tvt_keys.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "crypto/kex.h"

namespace ainet::core {
namespace {

TEST(TvtKeys, MatchesHkdfDefinition) {
  std::array<uint8_t, 32> secret;
  std::array<uint8_t, 16> nonce;
  for (size_t i = 0; i < 32; ++i) secret[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < 16; ++i) nonce[i] = static_cast<uint8_t>(0xa0 + i);
  TvtAhKeys k;
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 0x01020304, 0xa1b2c3d4, k), Errc::ok);
  // Independent computation of the documented formula.
  const char label[] = "ainet-tvt-v1";
  Bytes info(label, label + 12);
  for (uint8_t b : {0x01, 0x02, 0x03, 0x04, 0xa1, 0xb2, 0xc3, 0xd4}) info.push_back(b);
  std::array<uint8_t, 64> okm;
  ASSERT_EQ(crypto::hkdf_sha256(nonce, secret, info, okm), Errc::ok);
  ASSERT_EQ(k.fwd.size(), 32u);
  ASSERT_EQ(k.bwd.size(), 32u);
  EXPECT_EQ(0, std::memcmp(k.fwd.data(), okm.data(), 32));
  EXPECT_EQ(0, std::memcmp(k.bwd.data(), okm.data() + 32, 32));
  EXPECT_NE(0, std::memcmp(k.fwd.data(), k.bwd.data(), 32));
}

TEST(TvtKeys, EveryInputMatters) {
  std::array<uint8_t, 32> secret{1};
  std::array<uint8_t, 16> nonce{2};
  TvtAhKeys base, other;
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 10, 20, base), Errc::ok);
  const auto differs = [&] { return std::memcmp(base.fwd.data(), other.fwd.data(), 32) != 0; };
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 11, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 10, 21, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 20, 10, other), Errc::ok);
  EXPECT_TRUE(differs());
  auto n2 = nonce;
  n2[15] ^= 1;
  ASSERT_EQ(derive_tvt_keys(secret, n2, 10, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  auto s2 = secret;
  s2[31] ^= 1;
  ASSERT_EQ(derive_tvt_keys(s2, nonce, 10, 20, other), Errc::ok);
  EXPECT_TRUE(differs());
  ASSERT_EQ(derive_tvt_keys(secret, nonce, 10, 20, other), Errc::ok);
  EXPECT_FALSE(differs());
}

TEST(TvtKeys, BadArguments) {
  std::array<uint8_t, 32> secret{};
  std::array<uint8_t, 15> short_nonce{};
  TvtAhKeys k;
  EXPECT_EQ(derive_tvt_keys(secret, short_nonce, 1, 2, k), Errc::invalid_argument);
  std::array<uint8_t, 16> nonce{};
  EXPECT_EQ(derive_tvt_keys(ByteSpan(), nonce, 1, 2, k), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::core
