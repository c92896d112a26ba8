// Aead behaviour beyond the known answers: round trips at many lengths,
// in-place operation, tamper rejection, argument checking.
#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"

namespace ainet::crypto {
namespace {

constexpr AeadAlg kAlgs[] = {AeadAlg::aes128_gcm, AeadAlg::aes256_gcm, AeadAlg::chacha20_poly1305};

std::unique_ptr<Aead> make(AeadAlg alg, Rng& rng) {
  Bytes key(aead_key_size(alg));
  rng.fill(key);
  auto a = Aead::create(alg, key);
  EXPECT_TRUE(a.ok());
  return std::move(a).value();
}

TEST(Aead, KeySizes) {
  EXPECT_EQ(aead_key_size(AeadAlg::aes128_gcm), 16u);
  EXPECT_EQ(aead_key_size(AeadAlg::aes256_gcm), 32u);
  EXPECT_EQ(aead_key_size(AeadAlg::chacha20_poly1305), 32u);
}

TEST(Aead, BadKeyLengthIsInvalidArgument) {
  for (AeadAlg alg : kAlgs) {
    for (size_t len : {0u, 15u, 17u, 24u, 31u, 33u}) {
      if (len == aead_key_size(alg)) continue;
      Bytes key(len, 0x42);
      auto a = Aead::create(alg, key);
      EXPECT_FALSE(a.ok());
      EXPECT_EQ(a.error(), Errc::invalid_argument) << "len " << len;
    }
  }
}

TEST(Aead, RoundTripManyLengthsSeparateAndInPlace) {
  DeterministicRng rng(1);
  for (AeadAlg alg : kAlgs) {
    auto a = make(alg, rng);
    for (size_t len : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 1400u}) {
      SCOPED_TRACE(len);
      Bytes nonce(12), aad(8 + len % 5), pt(len);
      rng.fill(nonce);
      rng.fill(aad);
      rng.fill(pt);
      Bytes ct(len);
      uint8_t tag[16];
      ASSERT_EQ(a->seal(nonce, aad, pt, ct, tag), Errc::ok);
      if (len >= 16) {
        EXPECT_NE(ct, pt);
      }
      // In place gives the same ciphertext and tag.
      Bytes buf = pt;
      uint8_t tag2[16];
      ASSERT_EQ(a->seal(nonce, aad, buf, buf, tag2), Errc::ok);
      EXPECT_EQ(buf, ct);
      EXPECT_EQ(to_hex(tag2), to_hex(tag));
      // Open in place.
      ASSERT_EQ(a->open(nonce, aad, buf, tag, buf), Errc::ok);
      EXPECT_EQ(buf, pt);
    }
  }
}

TEST(Aead, EveryTamperIsAuthFailedAndPlaintextWiped) {
  DeterministicRng rng(2);
  for (AeadAlg alg : kAlgs) {
    auto a = make(alg, rng);
    Bytes nonce(12), aad(8), pt(100);
    rng.fill(nonce);
    rng.fill(aad);
    rng.fill(pt);
    Bytes ct(pt.size());
    Bytes tag(16);
    ASSERT_EQ(a->seal(nonce, aad, pt, ct, tag), Errc::ok);
    Bytes out(pt.size());
    ASSERT_EQ(a->open(nonce, aad, ct, tag, out), Errc::ok);

    auto expect_fail = [&](const Bytes& n, const Bytes& ad, const Bytes& c, const Bytes& t) {
      Bytes o(c.size(), 0xee);
      EXPECT_EQ(a->open(n, ad, c, t, o), Errc::auth_failed);
      EXPECT_EQ(o, Bytes(c.size(), 0)) << "unauthenticated plaintext left in the buffer";
    };
    for (size_t bit : {0u, 7u, 63u, 127u}) {
      Bytes t = tag;
      t[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      expect_fail(nonce, aad, ct, t);
    }
    for (size_t i : {size_t{0}, ct.size() / 2, ct.size() - 1}) {
      Bytes c = ct;
      c[i] ^= 0x80;
      expect_fail(nonce, aad, c, tag);
    }
    for (size_t i : {size_t{0}, aad.size() - 1}) {
      Bytes ad = aad;
      ad[i] ^= 0x01;
      expect_fail(nonce, ad, ct, tag);
    }
    Bytes n = nonce;
    n[11] ^= 0x01;
    expect_fail(n, aad, ct, tag);
    // Dropping the AAD or truncating the ciphertext is also caught.
    expect_fail(nonce, {}, ct, tag);
    expect_fail(nonce, aad, Bytes(ct.begin(), ct.end() - 1), tag);
    // And the context still works after failures.
    ASSERT_EQ(a->open(nonce, aad, ct, tag, out), Errc::ok);
    EXPECT_EQ(out, pt);
  }
}

TEST(Aead, BadArgumentsAreInvalidArgument) {
  DeterministicRng rng(3);
  for (AeadAlg alg : kAlgs) {
    auto a = make(alg, rng);
    Bytes nonce(12), pt(32), ct(32), tag(16);
    EXPECT_EQ(a->seal(Bytes(8), {}, pt, ct, tag), Errc::invalid_argument);
    EXPECT_EQ(a->seal(Bytes(16), {}, pt, ct, tag), Errc::invalid_argument);
    Bytes ct31(31);
    EXPECT_EQ(a->seal(nonce, {}, pt, ct31, tag), Errc::invalid_argument);
    Bytes short_tag(12);
    EXPECT_EQ(a->seal(nonce, {}, pt, ct, short_tag), Errc::invalid_argument);
    EXPECT_EQ(a->open(nonce, {}, ct, Bytes(15), pt), Errc::invalid_argument);
    EXPECT_EQ(a->open(Bytes(11), {}, ct, tag, pt), Errc::invalid_argument);
    EXPECT_EQ(a->open(nonce, {}, ct, tag, MutByteSpan(pt).first(10)), Errc::invalid_argument);
    // Partial overlap (not exact aliasing) is refused.
    Bytes big(48);
    EXPECT_EQ(a->seal(nonce, {}, ByteSpan(big).first(32), MutByteSpan(big).subspan(8, 32), tag),
              Errc::invalid_argument);
    EXPECT_EQ(a->open(nonce, {}, ByteSpan(big).subspan(8, 32), tag, MutByteSpan(big).first(32)),
              Errc::invalid_argument);
  }
}

TEST(Aead, DifferentKeysOrNoncesGiveDifferentOutput) {
  DeterministicRng rng(4);
  for (AeadAlg alg : kAlgs) {
    auto a = make(alg, rng);
    auto b = make(alg, rng);
    Bytes nonce(12), pt(32);
    Bytes c1(32), c2(32), c3(32), t1(16), t2(16), t3(16);
    ASSERT_EQ(a->seal(nonce, {}, pt, c1, t1), Errc::ok);
    ASSERT_EQ(b->seal(nonce, {}, pt, c2, t2), Errc::ok);
    nonce[0] = 1;
    ASSERT_EQ(a->seal(nonce, {}, pt, c3, t3), Errc::ok);
    EXPECT_NE(c1, c2);
    EXPECT_NE(c1, c3);
    EXPECT_NE(t1, t2);
    // A packet sealed under one key does not open under another.
    Bytes out(32);
    EXPECT_EQ(b->open(Bytes(12), {}, c1, t1, out), Errc::auth_failed);
  }
}

}  // namespace
}  // namespace ainet::crypto
