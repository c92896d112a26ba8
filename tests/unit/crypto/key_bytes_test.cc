// crypto::detail::KeyBytes: identity and tag in one word, key bytes wiped
// when they move or go.
#include "crypto/key_bytes.h"

#include <gtest/gtest.h>

#include <array>

namespace ainet::crypto::detail {
namespace {

TEST(KeyBytes, EveryAssignGetsAFreshNonZeroIdCarryingItsTag) {
  const std::array<uint8_t, 32> key{1, 2, 3};
  KeyBytes<32> a, b;
  EXPECT_EQ(a.id(), 0u);  // unkeyed
  ASSERT_TRUE(a.assign(7, key));
  ASSERT_TRUE(b.assign(7, key));
  EXPECT_NE(a.id(), 0u);
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(a.tag(), 7);
  EXPECT_EQ(b.tag(), 7);
  const uint64_t first = a.id();
  ASSERT_TRUE(a.assign(255, key));  // a new key is a new identity
  EXPECT_NE(a.id(), first);
  EXPECT_EQ(a.tag(), 255);
  EXPECT_EQ(a.data()[2], 3);
}

TEST(KeyBytes, RefusesAKeyLongerThanItsRoom) {
  const std::array<uint8_t, 33> key{};
  KeyBytes<32> a;
  EXPECT_FALSE(a.assign(1, key));
  EXPECT_EQ(a.id(), 0u);
}

TEST(KeyBytes, MoveHandsOverKeyAndIdAndWipesTheSource) {
  std::array<uint8_t, 16> key{};
  key.fill(0xab);
  KeyBytes<16> a;
  ASSERT_TRUE(a.assign(16, key));
  const uint64_t id = a.id();
  KeyBytes<16> b = std::move(a);
  EXPECT_EQ(b.id(), id);
  EXPECT_EQ(b.data()[15], 0xab);
  EXPECT_EQ(a.id(), 0u);  // NOLINT(bugprone-use-after-move): the wipe is the point
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(a.data()[i], 0) << i;
  KeyBytes<16> c;
  c = std::move(b);
  EXPECT_EQ(c.id(), id);
  EXPECT_EQ(b.id(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.data()[0], 0);
}

}  // namespace
}  // namespace ainet::crypto::detail
