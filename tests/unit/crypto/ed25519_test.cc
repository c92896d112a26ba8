// Ed25519: sign/verify round trip and rejection of every kind of tampering.
#include <gtest/gtest.h>

#include "crypto/kex.h"

namespace ainet::crypto {
namespace {

TEST(Ed25519, SignVerifyRoundTripAndTamper) {
  DeterministicRng rng(50);
  auto kp = ed25519_generate(rng);
  auto other = ed25519_generate(rng);
  auto pub = ed25519_public(kp.priv.span());
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub.value(), kp.pub);

  const Bytes msg = {'d', 'i', 'r', 'e', 'c', 't', 'o', 'r', 'y'};
  auto sig = ed25519_sign(kp.priv.span(), msg);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(ed25519_verify(kp.pub, msg, sig.value()), Errc::ok);
  // Deterministic signatures (RFC 8032 §5.1.6).
  EXPECT_EQ(ed25519_sign(kp.priv.span(), msg).value(), sig.value());

  Bytes m2 = msg;
  m2[0] ^= 1;
  EXPECT_EQ(ed25519_verify(kp.pub, m2, sig.value()), Errc::bad_signature);
  EXPECT_EQ(ed25519_verify(other.pub, msg, sig.value()), Errc::bad_signature);
  for (size_t i : {0u, 31u, 32u, 63u}) {
    Signature s = sig.value();
    s[i] ^= 0x04;
    EXPECT_EQ(ed25519_verify(kp.pub, msg, s), Errc::bad_signature) << i;
  }
  EXPECT_EQ(ed25519_verify(kp.pub, msg, ByteSpan(sig.value()).first(63)), Errc::bad_signature);
  EXPECT_EQ(ed25519_verify(kp.pub, msg, Bytes(64, 0)), Errc::bad_signature);
  // Empty message works too.
  auto s0 = ed25519_sign(kp.priv.span(), {});
  ASSERT_TRUE(s0.ok());
  EXPECT_EQ(ed25519_verify(kp.pub, {}, s0.value()), Errc::ok);
}

TEST(Ed25519, WrongKeyLengthsAreInvalidArgument) {
  EXPECT_EQ(ed25519_public(Bytes(31)).error(), Errc::invalid_argument);
  EXPECT_EQ(ed25519_sign(Bytes(64), Bytes(3)).error(), Errc::invalid_argument);
  EXPECT_EQ(ed25519_verify(Bytes(31), Bytes(3), Bytes(64)), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::crypto
