// Cipher behaviour beyond the known answers.
#include "crypto/cipher.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"

namespace ainet::crypto {
namespace {

constexpr CipherAlg kAlgs[] = {CipherAlg::aes128_cbc, CipherAlg::aes256_cbc, CipherAlg::aes128_ctr,
                               CipherAlg::aes256_ctr, CipherAlg::chacha20,   CipherAlg::aes128_ecb,
                               CipherAlg::aes256_ecb};

bool is_block(CipherAlg a) {
  return a == CipherAlg::aes128_cbc || a == CipherAlg::aes256_cbc || a == CipherAlg::aes128_ecb ||
         a == CipherAlg::aes256_ecb;
}

std::unique_ptr<Cipher> make(CipherAlg alg, Rng& rng) {
  Bytes key(cipher_key_size(alg));
  rng.fill(key);
  auto c = Cipher::create(alg, key);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

TEST(Cipher, SizesAndEnumValuesAreStable) {
  // New algorithms were appended at the end; older values must not move.
  EXPECT_EQ(static_cast<int>(CipherAlg::chacha20), 4);
  EXPECT_EQ(static_cast<int>(CipherAlg::aes128_ecb), 5);
  EXPECT_EQ(static_cast<int>(CipherAlg::aes256_ecb), 6);
  const size_t keys[] = {16, 32, 16, 32, 32, 16, 32};
  const size_t ivs[] = {16, 16, 16, 16, 16, 0, 0};
  for (size_t i = 0; i < std::size(kAlgs); ++i) {
    EXPECT_EQ(cipher_key_size(kAlgs[i]), keys[i]);
    EXPECT_EQ(cipher_iv_size(kAlgs[i]), ivs[i]);
  }
}

TEST(Cipher, BadKeyLengthIsInvalidArgument) {
  for (CipherAlg alg : kAlgs) {
    for (size_t len : {0u, 8u, 15u, 17u, 24u, 31u, 33u}) {
      if (len == cipher_key_size(alg)) continue;
      Bytes key(len, 1);
      auto c = Cipher::create(alg, key);
      EXPECT_FALSE(c.ok());
      EXPECT_EQ(c.error(), Errc::invalid_argument);
    }
  }
}

TEST(Cipher, RoundTripSeparateAndInPlace) {
  DeterministicRng rng(10);
  for (CipherAlg alg : kAlgs) {
    SCOPED_TRACE(static_cast<int>(alg));
    auto c = make(alg, rng);
    for (size_t len : {0u, 16u, 32u, 48u, 1408u, 1u, 17u, 1399u}) {
      if (is_block(alg) && len % 16 != 0) continue;
      Bytes iv(cipher_iv_size(alg)), pt(len);
      rng.fill(iv);
      rng.fill(pt);
      Bytes ct(len);
      ASSERT_EQ(c->encrypt(iv, pt, ct), Errc::ok);
      if (len >= 16) {
        EXPECT_NE(ct, pt);
      }
      // The IV is the whole per-call state: the same call twice gives the same bytes.
      Bytes buf = pt;
      ASSERT_EQ(c->encrypt(iv, buf, buf), Errc::ok);
      EXPECT_EQ(buf, ct);
      ASSERT_EQ(c->decrypt(iv, buf, buf), Errc::ok);
      EXPECT_EQ(buf, pt);
    }
  }
}

TEST(Cipher, BlockModesRefuseNonMultipleOf16AndBadIv) {
  DeterministicRng rng(11);
  for (CipherAlg alg : kAlgs) {
    SCOPED_TRACE(static_cast<int>(alg));
    auto c = make(alg, rng);
    const Bytes iv(cipher_iv_size(alg));
    Bytes in(17), out(17);
    const Errc want = is_block(alg) ? Errc::invalid_argument : Errc::ok;
    EXPECT_EQ(c->encrypt(iv, in, out), want);
    EXPECT_EQ(c->decrypt(iv, in, out), want);
    Bytes in16(16), out16(16);
    EXPECT_EQ(c->encrypt(Bytes(iv.size() + 1), in16, out16), Errc::invalid_argument);
    EXPECT_EQ(c->encrypt(iv, in16, MutByteSpan(out16).first(15)), Errc::invalid_argument);
    Bytes big(48);
    EXPECT_EQ(c->encrypt(iv, ByteSpan(big).first(32), MutByteSpan(big).subspan(16, 32)),
              Errc::invalid_argument);
  }
}

TEST(Cipher, EcbIsAPerBlockPermutation) {
  // Equal input blocks give equal output blocks (no chaining state), and
  // different blocks differ: what the per-hop nonce transform relies on.
  DeterministicRng rng(12);
  for (CipherAlg alg : {CipherAlg::aes128_ecb, CipherAlg::aes256_ecb}) {
    auto c = make(alg, rng);
    Bytes in(48);
    rng.fill(MutByteSpan(in).first(16));
    std::copy(in.begin(), in.begin() + 16, in.begin() + 16);
    in[32] = 1;
    Bytes out(48);
    ASSERT_EQ(c->encrypt({}, in, out), Errc::ok);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 16, out.begin() + 16));
    EXPECT_FALSE(std::equal(out.begin(), out.begin() + 16, out.begin() + 32));
  }
}

TEST(Cipher, CbcChainsAndStreamModesDependOnIv) {
  DeterministicRng rng(13);
  for (CipherAlg alg : {CipherAlg::aes128_cbc, CipherAlg::aes128_ctr, CipherAlg::chacha20}) {
    auto c = make(alg, rng);
    Bytes in(32, 0x5a), iv1(16), iv2(16);
    iv2[15] = 1;
    Bytes o1(32), o2(32);
    ASSERT_EQ(c->encrypt(iv1, in, o1), Errc::ok);
    ASSERT_EQ(c->encrypt(iv2, in, o2), Errc::ok);
    EXPECT_NE(o1, o2);
    // Two equal plaintext blocks never give equal ciphertext blocks.
    EXPECT_FALSE(std::equal(o1.begin(), o1.begin() + 16, o1.begin() + 16));
  }
}

}  // namespace
}  // namespace ainet::crypto
