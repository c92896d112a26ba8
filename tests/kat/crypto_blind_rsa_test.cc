// RFC 9474 Appendix A: every named variant's vector, replayed through the
// real client and server code with the vector's randomness injected
// (msg_prefix, salt, and r = inv^-1 mod n), checking every intermediate
// value: prepared message, blinded message, inverse, blind signature and the
// final signature. Vectors: tests/kat/vectors/rfc9474_blind_rsa.txt.
#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <deque>
#include <map>
#include <string>

#include "crypto/blind_rsa.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks_at;
using test::VectorBlock;

// Hands out exactly the queued byte strings, in order; any other request
// (wrong size, one too many) fails the test. This pins the order and size of
// every random draw to RFC 9474: prefix (Prepare), salt, then r (Blind).
class ScriptedRng final : public Rng {
 public:
  void push(Bytes b) { q_.push_back(std::move(b)); }
  void fill(MutByteSpan out) override {
    ASSERT_FALSE(q_.empty()) << "unexpected draw of " << out.size() << " bytes";
    ASSERT_EQ(q_.front().size(), out.size()) << "draw of the wrong size";
    std::copy(q_.front().begin(), q_.front().end(), out.begin());
    q_.pop_front();
  }
  bool drained() const { return q_.empty(); }

 private:
  std::deque<Bytes> q_;
};

std::vector<VectorBlock> load() {
  return read_vector_blocks_at(std::string(AINET_KAT_VECTORS_DIR) + "/rfc9474_blind_rsa.txt",
                               "variant");
}

const std::map<std::string, BlindRsaVariant> kVariants = {
    {"RSABSSA-SHA384-PSS-Randomized", BlindRsaVariant::sha384_pss_randomized},
    {"RSABSSA-SHA384-PSSZERO-Randomized", BlindRsaVariant::sha384_psszero_randomized},
    {"RSABSSA-SHA384-PSS-Deterministic", BlindRsaVariant::sha384_pss_deterministic},
    {"RSABSSA-SHA384-PSSZERO-Deterministic", BlindRsaVariant::sha384_psszero_deterministic},
};

// r = inv^-1 mod n, as kLen big-endian bytes (the vectors list inv, not r).
Bytes r_from_inverse(const Bytes& inv, const Bytes& n) {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* bi = BN_bin2bn(inv.data(), static_cast<int>(inv.size()), nullptr);
  BIGNUM* bn = BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr);
  BIGNUM* r = BN_mod_inverse(nullptr, bi, bn, ctx);
  Bytes out(n.size());
  EXPECT_NE(r, nullptr);
  if (r) BN_bn2binpad(r, out.data(), static_cast<int>(out.size()));
  BN_free(r);
  BN_free(bn);
  BN_free(bi);
  BN_CTX_free(ctx);
  return out;
}

TEST(BlindRsaKat, Rfc9474AppendixAAllVariants) {
  const auto blocks = load();
  ASSERT_EQ(blocks.size(), 5u);  // key + four variants
  const VectorBlock& key = blocks[0];
  const Bytes n = hex_field(key, "n"), e = hex_field(key, "e");
  auto sk = BlindRsaPrivateKey::from_components(n, e, hex_field(key, "d"), hex_field(key, "p"),
                                                hex_field(key, "q"));
  ASSERT_TRUE(sk.ok()) << to_string(sk.error());
  auto pk = BlindRsaPublicKey::from_components(n, e);
  ASSERT_TRUE(pk.ok());
  ASSERT_EQ(pk->modulus_bits(), 4096u);
  ASSERT_TRUE(pk->same_key(sk->public_key()));
  const BlindRsaSigner signer(*sk);

  std::map<std::string, int> seen;
  for (size_t i = 1; i < blocks.size(); ++i) {
    const VectorBlock& b = blocks[i];
    SCOPED_TRACE(b.at("variant"));
    ASSERT_EQ(kVariants.count(b.at("variant")), 1u);
    const BlindRsaVariant v = kVariants.at(b.at("variant"));
    ++seen[b.at("variant")];
    const Bytes msg = hex_field(b, "msg"), prefix = hex_field(b, "msg_prefix");
    const Bytes input = hex_field(b, "input_msg"), salt = hex_field(b, "salt");
    const Bytes inv = hex_field(b, "inv"), blinded = hex_field(b, "blinded_msg");
    const Bytes blind_sig = hex_field(b, "blind_sig"), sig = hex_field(b, "sig");
    ASSERT_EQ(salt.size(), salt_length(v));
    ASSERT_EQ(prefix.size(), is_randomized(v) ? kBlindRsaPrefixSize : 0u);

    ScriptedRng rng;
    if (!prefix.empty()) rng.push(prefix);
    if (!salt.empty()) rng.push(salt);
    rng.push(r_from_inverse(inv, n));

    const BlindRsaClient client(*pk, v);
    const Bytes prepared = client.prepare(msg, rng);
    EXPECT_EQ(to_hex(prepared), to_hex(input));

    Bytes blinded_out(pk->modulus_bytes());
    BlindInverse inv_out;
    ASSERT_EQ(client.blind(prepared, rng, blinded_out, inv_out), Errc::ok);
    EXPECT_TRUE(rng.drained());
    EXPECT_EQ(to_hex(blinded_out), to_hex(blinded));
    EXPECT_EQ(to_hex(inv_out.span()), to_hex(inv));

    Bytes blind_sig_out(pk->modulus_bytes());
    ASSERT_EQ(signer.blind_sign(blinded_out, blind_sig_out), Errc::ok);
    EXPECT_EQ(to_hex(blind_sig_out), to_hex(blind_sig));

    Bytes sig_out(pk->modulus_bytes());
    ASSERT_EQ(client.finalize(prepared, blind_sig_out, inv_out, sig_out), Errc::ok);
    EXPECT_EQ(to_hex(sig_out), to_hex(sig));

    // The published signature verifies as RSASSA-PSS; one flipped bit of the
    // signature or the message does not.
    EXPECT_EQ(pk->verify(v, input, sig), Errc::ok);
    Bytes bad_sig = sig;
    bad_sig[100] ^= 0x01;
    EXPECT_EQ(pk->verify(v, input, bad_sig), Errc::bad_signature);
    Bytes bad_msg = input;
    bad_msg.back() ^= 0x80;
    EXPECT_EQ(pk->verify(v, bad_msg, sig), Errc::bad_signature);
  }
  EXPECT_EQ(seen.size(), 4u);  // each named variant exactly once
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
}

// sLen is part of the verification: a PSS signature (48-byte salt) does not
// verify as PSSZERO and the reverse (OpenSSL checks the exact salt length).
TEST(BlindRsaKat, SaltLengthIsEnforcedByVerify) {
  const auto blocks = load();
  ASSERT_EQ(blocks.size(), 5u);
  auto pk =
      BlindRsaPublicKey::from_components(hex_field(blocks[0], "n"), hex_field(blocks[0], "e"));
  ASSERT_TRUE(pk.ok());
  for (size_t i = 1; i < blocks.size(); ++i) {
    const VectorBlock& b = blocks[i];
    const BlindRsaVariant v = kVariants.at(b.at("variant"));
    const BlindRsaVariant other = salt_length(v) ? BlindRsaVariant::sha384_psszero_deterministic
                                                 : BlindRsaVariant::sha384_pss_deterministic;
    EXPECT_EQ(pk->verify(other, hex_field(b, "input_msg"), hex_field(b, "sig")),
              Errc::bad_signature)
        << b.at("variant");
  }
}

}  // namespace
}  // namespace ainet::crypto
