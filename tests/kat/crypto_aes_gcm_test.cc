// AES-GCM test cases TC2-TC4 of McGrew & Viega, "The Galois/Counter Mode of
// Operation (GCM)", Appendix B, read from ../shared/vectors/rfc.
#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

TEST(CryptoAesGcmKat, McGrewViegaSpecCases) {
  const auto blocks = read_vector_blocks("gcm_mcgrew_viega_spec.txt", "CASE");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE(b.at("CASE"));
    const Bytes key = hex_field(b, "KEY"), iv = hex_field(b, "IV"), aad = hex_field(b, "AAD");
    const Bytes pt = hex_field(b, "PLAINTEXT"), ct = hex_field(b, "CIPHERTEXT");
    const Bytes tag = hex_field(b, "TAG");
    ASSERT_TRUE(key.size() == 16 || key.size() == 32);
    auto a = Aead::create(key.size() == 16 ? AeadAlg::aes128_gcm : AeadAlg::aes256_gcm, key);
    ASSERT_TRUE(a.ok());
    Bytes got_ct(pt.size());
    uint8_t got_tag[kAeadTagSize];
    ASSERT_EQ(a.value()->seal(iv, aad, pt, got_ct, got_tag), Errc::ok);
    EXPECT_EQ(to_hex(got_ct), to_hex(ct));
    EXPECT_EQ(to_hex(got_tag), to_hex(tag));
    Bytes got_pt(ct.size());
    ASSERT_EQ(a.value()->open(iv, aad, ct, tag, got_pt), Errc::ok);
    EXPECT_EQ(got_pt, pt);
  }
}

}  // namespace
}  // namespace ainet::crypto
