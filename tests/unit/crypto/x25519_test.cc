// X25519: agreement between generated keys, RFC 7748 §6.1 all-zero rejection,
// argument checking.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "crypto/kex.h"

namespace ainet::crypto {
namespace {

TEST(X25519, GeneratedKeysAgree) {
  DeterministicRng rng(40);
  auto a = x25519_generate(rng);
  auto b = x25519_generate(rng);
  EXPECT_EQ(a.priv.size(), 32u);
  EXPECT_NE(a.pub, b.pub);
  auto apub = x25519_public(a.priv.span());
  ASSERT_TRUE(apub.ok());
  EXPECT_EQ(apub.value(), a.pub);
  uint8_t k1[32], k2[32];
  ASSERT_EQ(x25519(a.priv.span(), b.pub, k1), Errc::ok);
  ASSERT_EQ(x25519(b.priv.span(), a.pub, k2), Errc::ok);
  EXPECT_EQ(to_hex(k1), to_hex(k2));
  // Same seed, same keys: the simulation depends on this.
  DeterministicRng rng2(40);
  EXPECT_EQ(x25519_generate(rng2).pub, a.pub);
}

TEST(X25519, SmallOrderPeerKeysAreRejected) {
  DeterministicRng rng(41);
  auto a = x25519_generate(rng);
  // u = 0 and u = 1 are points of small order: the shared value is all zero
  // and RFC 7748 §6.1 requires aborting.
  std::array<uint8_t, 32> zero{}, one{};
  one[0] = 1;
  uint8_t out[32];
  EXPECT_EQ(x25519(a.priv.span(), zero, out), Errc::crypto_error);
  EXPECT_EQ(x25519(a.priv.span(), one, out), Errc::crypto_error);
  EXPECT_EQ(to_hex(out), std::string(64, '0'));  // no partial secret left behind
}

// The overload that takes the caller's own public key (so OpenSSL need not
// derive it again) computes the same shared secret, rejects small-order
// peers the same way, and checks the extra length.
TEST(X25519, WithOwnPublicKeyGivesTheSameSecret) {
  DeterministicRng rng(42);
  auto a = x25519_generate(rng);
  auto b = x25519_generate(rng);
  uint8_t k1[32], k2[32], k3[32];
  ASSERT_EQ(x25519(a.priv.span(), b.pub, k1), Errc::ok);
  ASSERT_EQ(x25519(a.priv.span(), a.pub, b.pub, k2), Errc::ok);
  ASSERT_EQ(x25519(b.priv.span(), b.pub, a.pub, k3), Errc::ok);
  EXPECT_EQ(to_hex(k1), to_hex(k2));
  EXPECT_EQ(to_hex(k2), to_hex(k3));
  std::array<uint8_t, 32> zero{};
  EXPECT_EQ(x25519(a.priv.span(), a.pub, zero, k2), Errc::crypto_error);
  EXPECT_EQ(to_hex(k2), std::string(64, '0'));
  EXPECT_EQ(x25519(a.priv.span(), ByteSpan(a.pub.data(), 31), b.pub, k2), Errc::invalid_argument);
}

// x25519.cc computes public keys as X25519(k, 9); OpenSSL's own derivation
// (a raw private key import, its fixed-base code) must agree on every key.
TEST(X25519, GeneratedPublicKeyMatchesOpenSslDerivation) {
  DeterministicRng rng(43);
  for (int i = 0; i < 64; ++i) {
    auto kp = x25519_generate(rng);
    EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, kp.priv.data(), 32);
    ASSERT_NE(k, nullptr);
    PublicKey pub{};
    size_t len = pub.size();
    ASSERT_EQ(EVP_PKEY_get_raw_public_key(k, pub.data(), &len), 1);
    EVP_PKEY_free(k);
    EXPECT_EQ(pub, kp.pub) << i;
  }
}

// x25519_generate_shared draws the same key pair as x25519_generate from the
// same RNG state (the simulation's traces depend on it) and gives the same
// secret as x25519; a small-order peer still fails with a zeroed output.
TEST(X25519, GenerateSharedIsGenerateThenDh) {
  DeterministicRng r1(44), r2(44);
  auto peer = x25519_generate(r1);
  (void)x25519_generate(r2);
  X25519KeyPair kp;
  uint8_t k1[32], k2[32], k3[32];
  ASSERT_EQ(x25519_generate_shared(r1, peer.pub, kp, k1), Errc::ok);
  auto plain = x25519_generate(r2);
  EXPECT_EQ(kp.pub, plain.pub);
  EXPECT_EQ(to_hex(kp.priv.span()), to_hex(plain.priv.span()));
  ASSERT_EQ(x25519(plain.priv.span(), peer.pub, k2), Errc::ok);
  ASSERT_EQ(x25519(peer.priv.span(), kp.pub, k3), Errc::ok);
  EXPECT_EQ(to_hex(k1), to_hex(k2));
  EXPECT_EQ(to_hex(k1), to_hex(k3));
  std::array<uint8_t, 32> zero{};
  EXPECT_EQ(x25519_generate_shared(r1, zero, kp, k1), Errc::crypto_error);
  EXPECT_EQ(to_hex(k1), std::string(64, '0'));
  EXPECT_EQ(x25519_generate_shared(r1, Bytes(31), kp, k1), Errc::invalid_argument);
}

TEST(X25519, OperationsAreCounted) {
  DeterministicRng rng(45);
  const KexCounts c0 = kex_counts();
  auto a = x25519_generate(rng);
  X25519KeyPair b;
  uint8_t out[32], okm[64];
  ASSERT_EQ(x25519_generate_shared(rng, a.pub, b, out), Errc::ok);
  ASSERT_EQ(x25519(a.priv.span(), b.pub, out), Errc::ok);
  ASSERT_EQ(hkdf_sha256({}, out, {}, okm), Errc::ok);
  const KexCounts c1 = kex_counts();
  EXPECT_EQ(c1.x25519_keygen - c0.x25519_keygen, 2u);
  EXPECT_EQ(c1.x25519_shared - c0.x25519_shared, 2u);
  EXPECT_EQ(c1.hkdf - c0.hkdf, 1u);
  EXPECT_EQ(c1.ed25519_sign, c0.ed25519_sign);
}

TEST(X25519, WrongLengthsAreInvalidArgument) {
  DeterministicRng rng(42);
  auto a = x25519_generate(rng);
  uint8_t out[32], short_out[31];
  EXPECT_EQ(x25519(Bytes(31), a.pub, out), Errc::invalid_argument);
  EXPECT_EQ(x25519(a.priv.span(), Bytes(33), out), Errc::invalid_argument);
  EXPECT_EQ(x25519(a.priv.span(), a.pub, short_out), Errc::invalid_argument);
  EXPECT_EQ(x25519_public(Bytes(16)).error(), Errc::invalid_argument);
}


// The static key (a relay's onion key, its OpenSSL context made once) gives
// the same secret as x25519() for many peers in a row on one context,
// rejects small-order peers without leaving a partial secret (and keeps
// working after), and a moved-from key refuses instead of using a freed
// context.
TEST(X25519, StaticKeyGivesTheSameSecretsOnOneContext) {
  DeterministicRng rng(44);
  auto b = x25519_generate(rng);
  auto made = X25519StaticKey::make(b.priv.span(), b.pub);
  ASSERT_TRUE(made.ok());
  X25519StaticKey key = std::move(*made);
  EXPECT_EQ(key.pub(), b.pub);
  for (int i = 0; i < 8; ++i) {
    auto x = x25519_generate(rng);
    uint8_t want[32], got[32];
    ASSERT_EQ(x25519(x.priv.span(), b.pub, want), Errc::ok);
    ASSERT_EQ(key.shared(x.pub, got), Errc::ok);
    EXPECT_EQ(to_hex(got), to_hex(want)) << i;
    if (i == 3) {
      std::array<uint8_t, 32> zero{};
      EXPECT_EQ(key.shared(zero, got), Errc::crypto_error);
      EXPECT_EQ(to_hex(got), std::string(64, '0'));
    }
  }
  uint8_t out[32];
  EXPECT_EQ(key.shared(ByteSpan(b.pub.data(), 31), out), Errc::invalid_argument);
  EXPECT_EQ(X25519StaticKey::make(Bytes(31), b.pub).error(), Errc::invalid_argument);
  X25519StaticKey moved = std::move(key);
  EXPECT_EQ(moved.shared(b.pub, out), Errc::ok);
  EXPECT_EQ(key.shared(b.pub, out), Errc::crypto_error);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(to_hex(out), std::string(64, '0'));
}

}  // namespace
}  // namespace ainet::crypto
