// The raw AEAD against the ESP-level vectors (the ESP packet framing itself is
// tested by the SA layer): draft-mcgrew-gcm-test-01 (AES-GCM per RFC 4106)
// and RFC 7634 Appendix A (ChaCha20-Poly1305), read from ../shared/vectors/rfc.
// Only KEY, NONCE (salt || IV), AAD (SPI || SEQ), PLAINTEXT and the
// ciphertext/tag fields are used here.
#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

void check_seal_open(AeadAlg alg, const Bytes& key, const Bytes& nonce, const Bytes& aad,
                     const Bytes& pt, const Bytes& ct_tag) {
  ASSERT_EQ(ct_tag.size(), pt.size() + kAeadTagSize);
  auto a = Aead::create(alg, key);
  ASSERT_TRUE(a.ok());
  // In place, as ESP does it: the buffer holds the plaintext, then the ciphertext.
  Bytes buf = pt;
  uint8_t tag[kAeadTagSize];
  ASSERT_EQ(a.value()->seal(nonce, aad, buf, buf, tag), Errc::ok);
  Bytes got = buf;
  got.insert(got.end(), tag, tag + kAeadTagSize);
  EXPECT_EQ(to_hex(got), to_hex(ct_tag));
  const ByteSpan ct = ByteSpan(ct_tag).first(pt.size());
  const ByteSpan want_tag = ByteSpan(ct_tag).subspan(pt.size());
  Bytes out(pt.size());
  ASSERT_EQ(a.value()->open(nonce, aad, ct, want_tag, out), Errc::ok);
  EXPECT_EQ(out, pt);
}

TEST(CryptoAeadEspKat, DraftMcgrewGcmTest01) {
  const auto blocks = read_vector_blocks("draft_mcgrew_gcm_test_01_esp.txt", "CASE");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE("CASE " + b.at("CASE"));
    const Bytes key = hex_field(b, "KEY");
    ASSERT_TRUE(key.size() == 16 || key.size() == 32);
    check_seal_open(key.size() == 16 ? AeadAlg::aes128_gcm : AeadAlg::aes256_gcm, key,
                    hex_field(b, "NONCE"), hex_field(b, "AAD"), hex_field(b, "PLAINTEXT"),
                    hex_field(b, "CIPHERTEXT_TAG"));
  }
}

TEST(CryptoAeadEspKat, Rfc7634AppendixA) {
  const auto blocks = read_vector_blocks("rfc7634_appendix_a_esp_chacha20poly1305.txt", "KEYMAT");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    Bytes ct_tag = hex_field(b, "CIPHERTEXT");
    const Bytes tag = hex_field(b, "TAG");
    ct_tag.insert(ct_tag.end(), tag.begin(), tag.end());
    check_seal_open(AeadAlg::chacha20_poly1305, hex_field(b, "KEY"), hex_field(b, "NONCE"),
                    hex_field(b, "AAD"), hex_field(b, "PLAINTEXT"), ct_tag);
  }
}

}  // namespace
}  // namespace ainet::crypto
