// Gmac behaviour: key sizes, parts, equivalence with AES-GCM over an empty
// plaintext, tamper rejection.
#include "crypto/gmac.h"

#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "crypto/rng.h"

namespace ainet::crypto {
namespace {

TEST(Gmac, KeyLengthSelectsAesVariant) {
  for (size_t len : {16u, 24u, 32u}) {
    auto g = Gmac::create(Bytes(len, 7));
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g.value()->key_bits(), len * 8);
  }
  for (size_t len : {0u, 8u, 15u, 20u, 33u, 36u}) {
    auto g = Gmac::create(Bytes(len, 7));
    EXPECT_FALSE(g.ok());
    EXPECT_EQ(g.error(), Errc::invalid_argument) << len;
  }
}

TEST(Gmac, EqualsAesGcmWithAllDataAsAad) {
  DeterministicRng rng(30);
  for (AeadAlg alg : {AeadAlg::aes128_gcm, AeadAlg::aes256_gcm}) {
    Bytes key(aead_key_size(alg)), nonce(12), a(20), b(77);
    rng.fill(key);
    rng.fill(nonce);
    rng.fill(a);
    rng.fill(b);
    auto g = Gmac::create(key);
    auto aead = Aead::create(alg, key);
    ASSERT_TRUE(g.ok());
    ASSERT_TRUE(aead.ok());
    Bytes ab = a;
    ab.insert(ab.end(), b.begin(), b.end());
    uint8_t want[16], got[16];
    ASSERT_EQ(aead.value()->seal(nonce, ab, {}, {}, want), Errc::ok);
    ASSERT_EQ(g.value()->compute(nonce, {a, b}, got), Errc::ok);
    EXPECT_EQ(to_hex(got), to_hex(want));
    ASSERT_EQ(g.value()->compute(nonce, {ab}, got), Errc::ok);
    EXPECT_EQ(to_hex(got), to_hex(want));
  }
}

TEST(Gmac, VerifyRejectsTamperAndBadArguments) {
  DeterministicRng rng(31);
  Bytes key(32), nonce(12), data(60);
  rng.fill(key);
  rng.fill(nonce);
  rng.fill(data);
  auto g = Gmac::create(key);
  ASSERT_TRUE(g.ok());
  Bytes tag(16);
  ASSERT_EQ(g.value()->compute(nonce, {data}, tag), Errc::ok);
  EXPECT_EQ(g.value()->verify(nonce, {data}, tag), Errc::ok);
  Bytes t = tag;
  t[15] ^= 0x80;
  EXPECT_EQ(g.value()->verify(nonce, {data}, t), Errc::auth_failed);
  Bytes d = data;
  d[30] ^= 1;
  EXPECT_EQ(g.value()->verify(nonce, {d}, tag), Errc::auth_failed);
  Bytes n = nonce;
  n[0] ^= 1;
  EXPECT_EQ(g.value()->verify(n, {data}, tag), Errc::auth_failed);
  // Moving a byte between parts does not change the tag (it is a MAC over
  // the concatenation), but dropping one does.
  EXPECT_EQ(g.value()->verify(nonce, {ByteSpan(data).first(59)}, tag), Errc::auth_failed);
  EXPECT_EQ(g.value()->verify(nonce, {data}, Bytes(12)), Errc::invalid_argument);
  EXPECT_EQ(g.value()->verify(Bytes(8), {data}, tag), Errc::invalid_argument);
  uint8_t small[12];
  EXPECT_EQ(g.value()->compute(nonce, {data}, small), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::crypto
