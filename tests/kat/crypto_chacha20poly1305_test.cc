// RFC 8439 §2.8.2 AEAD_CHACHA20_POLY1305 vector, read from ../shared/vectors/rfc.
#include <gtest/gtest.h>

#include <string>

#include "crypto/aead.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

TEST(CryptoChaCha20Poly1305Kat, Rfc8439Section282) {
  const auto blocks = read_vector_blocks("rfc8439_chacha20poly1305_aead.txt", "KEY");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    const Bytes key = hex_field(b, "KEY"), nonce = hex_field(b, "NONCE"), aad = hex_field(b, "AAD");
    const Bytes pt = hex_field(b, "PLAINTEXT"), ct = hex_field(b, "CIPHERTEXT");
    const Bytes tag = hex_field(b, "TAG");
    // The hex plaintext is the published ASCII sentence.
    EXPECT_EQ(std::string(pt.begin(), pt.end()), b.at("PLAINTEXT_ASCII"));
    auto a = Aead::create(AeadAlg::chacha20_poly1305, key);
    ASSERT_TRUE(a.ok());
    Bytes got_ct(pt.size());
    uint8_t got_tag[kAeadTagSize];
    ASSERT_EQ(a.value()->seal(nonce, aad, pt, got_ct, got_tag), Errc::ok);
    EXPECT_EQ(to_hex(got_ct), to_hex(ct));
    EXPECT_EQ(to_hex(got_tag), to_hex(tag));
    Bytes got_pt(ct.size());
    ASSERT_EQ(a.value()->open(nonce, aad, ct, tag, got_pt), Errc::ok);
    EXPECT_EQ(got_pt, pt);
  }
}

}  // namespace
}  // namespace ainet::crypto
