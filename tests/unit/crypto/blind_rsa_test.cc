// RFC 9474 blind signatures with a fresh RSA-2048 key: every variant round
// trips, keys serialise and load back, and bad inputs are refused.
// (Known answers: tests/kat/crypto_blind_rsa_test.cc.)
#include "crypto/blind_rsa.h"

#include <gtest/gtest.h>

namespace ainet::crypto {
namespace {

const BlindRsaPrivateKey& key() {
  static const BlindRsaPrivateKey k = *BlindRsaPrivateKey::generate(2048);
  return k;
}

constexpr BlindRsaVariant kAll[] = {
    BlindRsaVariant::sha384_pss_randomized, BlindRsaVariant::sha384_psszero_randomized,
    BlindRsaVariant::sha384_pss_deterministic, BlindRsaVariant::sha384_psszero_deterministic};

TEST(BlindRsa, EveryVariantRoundTrips) {
  ASSERT_TRUE(key().valid());
  const BlindRsaPublicKey& pk = key().public_key();
  EXPECT_EQ(pk.modulus_bits(), 2048u);
  EXPECT_EQ(pk.modulus_bytes(), 256u);
  EXPECT_EQ(pk.public_exponent(), 65537u);
  const BlindRsaSigner signer(key());
  DeterministicRng rng(1);
  const Bytes msg = {'h', 'e', 'l', 'l', 'o'};
  for (BlindRsaVariant v : kAll) {
    const BlindRsaClient client(pk, v);
    const Bytes input = client.prepare(msg, rng);
    EXPECT_EQ(input.size(), msg.size() + (is_randomized(v) ? 32u : 0u));
    Bytes blinded(256), blind_sig(256), sig(256);
    BlindInverse inv;
    ASSERT_EQ(client.blind(input, rng, blinded, inv), Errc::ok);
    ASSERT_EQ(signer.blind_sign(blinded, blind_sig), Errc::ok);
    ASSERT_EQ(client.finalize(input, blind_sig, inv, sig), Errc::ok);
    EXPECT_EQ(pk.verify(v, input, sig), Errc::ok);
    // Blinding hides the message: two blinds of one message differ.
    Bytes blinded2(256);
    BlindInverse inv2;
    ASSERT_EQ(client.blind(input, rng, blinded2, inv2), Errc::ok);
    EXPECT_NE(blinded, blinded2);
    // A blind signature unblinded with the wrong inverse does not verify,
    // and Finalize releases nothing.
    Bytes sig2(256, 0xaa);
    EXPECT_EQ(client.finalize(input, blind_sig, inv2, sig2), Errc::bad_signature);
    EXPECT_EQ(sig2, Bytes(256, 0));
  }
}

TEST(BlindRsa, KeysSerialiseAndLoadBack) {
  auto pem = key().to_pem();
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto back = BlindRsaPrivateKey::from_pem(*pem);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->public_key().same_key(key().public_key()));
  auto der = key().public_key().spki_der();
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(der->size(), 294u);  // RSA-2048 SubjectPublicKeyInfo
  auto pk = BlindRsaPublicKey::from_spki_der(*der);
  ASSERT_TRUE(pk.ok());
  EXPECT_TRUE(pk->same_key(key().public_key()));
  // The loaded keys sign and verify together.
  DeterministicRng rng(2);
  const BlindRsaClient client(*pk, BlindRsaVariant::sha384_pss_deterministic);
  const Bytes input = client.prepare(Bytes{1, 2, 3}, rng);
  Bytes blinded(256), blind_sig(256), sig(256);
  BlindInverse inv;
  ASSERT_EQ(client.blind(input, rng, blinded, inv), Errc::ok);
  ASSERT_EQ(BlindRsaSigner(*back).blind_sign(blinded, blind_sig), Errc::ok);
  EXPECT_EQ(client.finalize(input, blind_sig, inv, sig), Errc::ok);
}

TEST(BlindRsa, RefusesBadKeys) {
  auto der = *key().public_key().spki_der();
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(BlindRsaPublicKey::from_spki_der(trailing).error(), Errc::malformed);
  EXPECT_EQ(BlindRsaPublicKey::from_spki_der(ByteSpan(der).first(100)).error(), Errc::malformed);
  EXPECT_EQ(BlindRsaPublicKey::from_spki_der({}).error(), Errc::malformed);
  // Ed25519 SubjectPublicKeyInfo: a real key, not RSA.
  Bytes ed = *from_hex("302a300506032b6570032100" + std::string(64, '7'));
  EXPECT_EQ(BlindRsaPublicKey::from_spki_der(ed).error(), Errc::malformed);
  // Even e, e = 1, and a 1024-bit modulus.
  const Bytes n(der.end() - 5 - 256, der.end() - 5);
  EXPECT_FALSE(BlindRsaPublicKey::from_components(n, Bytes{4}).ok());
  EXPECT_FALSE(BlindRsaPublicKey::from_components(n, Bytes{1}).ok());
  EXPECT_FALSE(BlindRsaPublicKey::from_components(ByteSpan(n).first(128), Bytes{1, 0, 1}).ok());
  EXPECT_EQ(
      BlindRsaPrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
          .error(),
      Errc::malformed);
  EXPECT_EQ(BlindRsaPrivateKey::generate(1024).error(), Errc::invalid_argument);
  // An empty key refuses every operation.
  BlindRsaPublicKey empty;
  EXPECT_EQ(empty.verify(BlindRsaVariant::sha384_pss_deterministic, {}, {}),
            Errc::invalid_argument);
}

TEST(BlindRsa, BlindSignRefusesOutOfRangeAndWrongSizes) {
  const BlindRsaSigner signer(key());
  Bytes out(256, 0x55);
  EXPECT_EQ(signer.blind_sign(Bytes(256, 0xff), out), Errc::malformed);  // >= n
  EXPECT_EQ(signer.blind_sign(Bytes(255, 0x01), out), Errc::malformed);
  Bytes small(255);
  EXPECT_EQ(signer.blind_sign(Bytes(256, 0x01), small), Errc::invalid_argument);
  const BlindRsaClient client(key().public_key(), BlindRsaVariant::sha384_pss_deterministic);
  DeterministicRng rng(3);
  Bytes blinded(255);
  BlindInverse inv;
  EXPECT_EQ(client.blind(Bytes{1}, rng, blinded, inv), Errc::invalid_argument);
  Bytes sig(256);
  EXPECT_EQ(client.finalize(Bytes{1}, Bytes(256, 1), inv, sig),
            Errc::invalid_argument);  // no inverse
}

}  // namespace
}  // namespace ainet::crypto
