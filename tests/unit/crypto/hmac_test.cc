// Hmac behaviour beyond the RFC 4868 known answers.
#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"

namespace ainet::crypto {
namespace {

TEST(Hmac, EmptyKeyIsInvalidArgument) {
  auto h = Hmac::create({});
  EXPECT_FALSE(h.ok());
  EXPECT_EQ(h.error(), Errc::invalid_argument);
}

TEST(Hmac, PartsAndTruncationAndReuse) {
  DeterministicRng rng(20);
  Bytes key(32), data(300);
  rng.fill(key);
  rng.fill(data);
  auto h = Hmac::create(key);
  ASSERT_TRUE(h.ok());
  uint8_t full[32], again[32], parts[32], t16[16], t12[12];
  ASSERT_EQ(h.value()->compute({data}, full), Errc::ok);
  ASSERT_EQ(h.value()->compute({data}, again), Errc::ok);
  EXPECT_EQ(to_hex(full), to_hex(again));
  ASSERT_EQ(h.value()->compute({ByteSpan(data).first(1),
                                ByteSpan(data).subspan(1, 200),
                                {},
                                ByteSpan(data).subspan(201)},
                               parts),
            Errc::ok);
  EXPECT_EQ(to_hex(full), to_hex(parts));
  // RFC 4868 §2.3: truncation keeps the leftmost bytes.
  ASSERT_EQ(h.value()->compute({data}, t16), Errc::ok);
  ASSERT_EQ(h.value()->compute({data}, t12), Errc::ok);
  EXPECT_EQ(to_hex(t16), to_hex(ByteSpan(full).first(16)));
  EXPECT_EQ(to_hex(t12), to_hex(ByteSpan(full).first(12)));
  // A larger output buffer gets only the 32 MAC bytes; the rest is untouched.
  uint8_t big[40];
  std::fill(std::begin(big), std::end(big), 0xcc);
  ASSERT_EQ(h.value()->compute({data}, big), Errc::ok);
  EXPECT_EQ(to_hex(ByteSpan(big).first(32)), to_hex(full));
  EXPECT_EQ(big[32], 0xcc);
}

TEST(Hmac, VerifyRejectsTamperAndBadLengths) {
  DeterministicRng rng(21);
  Bytes key(32), data(64);
  rng.fill(key);
  rng.fill(data);
  auto h = Hmac::create(key);
  ASSERT_TRUE(h.ok());
  Bytes icv(16);
  ASSERT_EQ(h.value()->compute({data}, icv), Errc::ok);
  EXPECT_EQ(h.value()->verify({data}, icv), Errc::ok);
  for (size_t i : {0u, 8u, 15u}) {
    Bytes bad = icv;
    bad[i] ^= 0x10;
    EXPECT_EQ(h.value()->verify({data}, bad), Errc::auth_failed);
  }
  Bytes d2 = data;
  d2[63] ^= 1;
  EXPECT_EQ(h.value()->verify({d2}, icv), Errc::auth_failed);
  EXPECT_EQ(h.value()->verify({data}, {}), Errc::invalid_argument);
  EXPECT_EQ(h.value()->verify({data}, Bytes(33)), Errc::invalid_argument);
  // A different key gives a different MAC.
  key[0] ^= 1;
  auto h2 = Hmac::create(key);
  ASSERT_TRUE(h2.ok());
  EXPECT_EQ(h2.value()->verify({data}, icv), Errc::auth_failed);
}

// Hmac32 (the SA's HMAC-SHA-256-128, 32 key bytes) is the same function as
// the generic Hmac for every key it takes: 32 bytes and shorter as is, longer
// than a block hashed (RFC 2104 §2). A key of 33..64 bytes, which the generic
// class uses as is, does not fit and is refused rather than truncated.
TEST(Hmac, Hmac32GivesTheSameMacAsTheGenericClass) {
  DeterministicRng rng(22);
  Bytes data(100);
  rng.fill(data);
  for (size_t key_len : {1u, 16u, 31u, 32u, 65u, 100u}) {
    SCOPED_TRACE(key_len);
    Bytes key(key_len);
    rng.fill(key);
    auto generic = Hmac::make(key);
    auto small = Hmac32::make(key);
    ASSERT_TRUE(generic.ok());
    ASSERT_TRUE(small.ok());
    uint8_t a[kSha256Size], b[kSha256Size];
    ASSERT_EQ(generic->compute({data}, a), Errc::ok);
    ASSERT_EQ(small->compute({data}, b), Errc::ok);
    EXPECT_EQ(to_hex(a), to_hex(b));
    EXPECT_EQ(small->verify({data}, ByteSpan(a).first(kHmacSha256_128IcvSize)), Errc::ok);
    // A moved Hmac32 keeps its key; the moved-from one is unkeyed.
    Hmac32 moved = std::move(*small);
    ASSERT_EQ(moved.compute({data}, b), Errc::ok);
    EXPECT_EQ(to_hex(a), to_hex(b));
    EXPECT_EQ(small->compute({data}, b), Errc::invalid_argument);
  }
  for (size_t key_len : {33u, 64u}) {
    Bytes key(key_len);
    rng.fill(key);
    EXPECT_TRUE(Hmac::make(key).ok());
    auto small = Hmac32::make(key);
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.error(), Errc::invalid_argument);
  }
  EXPECT_EQ(Hmac32::make({}).error(), Errc::invalid_argument);
  EXPECT_LT(sizeof(Hmac32), sizeof(Hmac));
}

TEST(Sha256, WrongOutputSizeIsInvalidArgument) {
  uint8_t out[31];
  EXPECT_EQ(sha256({}, out), Errc::invalid_argument);
}

// FIPS 180-2 Appendix A.1 ("abc") and the empty string, split across parts.
TEST(Sha1, KnownAnswers) {
  uint8_t out[kSha1Size];
  const std::string_view a = "a", bc = "bc";
  ASSERT_EQ(sha1({ByteSpan(reinterpret_cast<const uint8_t*>(a.data()), 1),
                  ByteSpan(reinterpret_cast<const uint8_t*>(bc.data()), 2)},
                 out),
            Errc::ok);
  EXPECT_EQ(to_hex(out), "a9993e364706816aba3e25717850c26c9cd0d89d");
  ASSERT_EQ(sha1({}, out), Errc::ok);
  EXPECT_EQ(to_hex(out), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  uint8_t short_out[19];
  EXPECT_EQ(sha1({}, short_out), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::crypto
