// Known answers for the unauthenticated ciphers.
//   ChaCha20 raw: RFC 8439 §2.8 encrypts the AEAD plaintext with the block
//     counter starting at 1, so the raw keystream with IV = LE32(1) || nonce
//     must reproduce the §2.8.2 CIPHERTEXT (shared vector file). This pins the
//     OpenSSL IV layout (4-byte little-endian counter || 12-byte nonce).
//   AES-CTR: GCM encrypts with the counter block IV || inc32(0x00000001)
//     (GCM spec §2.3, 96-bit IV), so AES-CTR from IV || 00000002 must give
//     the GCM ciphertext (shared vector file).
//   Vectors not in the shared folder, quoted with their source:
//     AES-ECB: FIPS 197 Appendix C.1 (AES-128) and C.3 (AES-256).
//     AES-CBC: RFC 3602 §4 Case #1.
//     AES-CTR: RFC 3686 §6 Test Vector #1.
#include <gtest/gtest.h>

#include "crypto/cipher.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

Bytes hx(std::string_view s) {
  return from_hex(s).value();
}

void check_both_ways(CipherAlg alg, const Bytes& key, const Bytes& iv, const Bytes& pt,
                     const Bytes& ct) {
  auto c = Cipher::create(alg, key);
  ASSERT_TRUE(c.ok());
  Bytes out(pt.size());
  ASSERT_EQ(c.value()->encrypt(iv, pt, out), Errc::ok);
  EXPECT_EQ(to_hex(out), to_hex(ct));
  Bytes back(ct.size());
  ASSERT_EQ(c.value()->decrypt(iv, ct, back), Errc::ok);
  EXPECT_EQ(to_hex(back), to_hex(pt));
}

TEST(CryptoCipherKat, ChaCha20RawMatchesRfc8439AeadCiphertext) {
  const auto blocks = read_vector_blocks("rfc8439_chacha20poly1305_aead.txt", "KEY");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    Bytes iv = {1, 0, 0, 0};  // block counter 1, little-endian
    const Bytes nonce = hex_field(b, "NONCE");
    iv.insert(iv.end(), nonce.begin(), nonce.end());
    check_both_ways(CipherAlg::chacha20, hex_field(b, "KEY"), iv, hex_field(b, "PLAINTEXT"),
                    hex_field(b, "CIPHERTEXT"));
  }
}

TEST(CryptoCipherKat, AesCtrMatchesGcmSpecCiphertext) {
  const auto blocks = read_vector_blocks("gcm_mcgrew_viega_spec.txt", "CASE");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE(b.at("CASE"));
    const Bytes key = hex_field(b, "KEY");
    Bytes iv = hex_field(b, "IV");
    ASSERT_EQ(iv.size(), 12u);
    iv.insert(iv.end(), {0, 0, 0, 2});
    check_both_ways(key.size() == 16 ? CipherAlg::aes128_ctr : CipherAlg::aes256_ctr, key, iv,
                    hex_field(b, "PLAINTEXT"), hex_field(b, "CIPHERTEXT"));
  }
}

TEST(CryptoCipherKat, AesEcbFips197AppendixC) {
  // C.1 AES-128 and C.3 AES-256: plaintext 00112233445566778899aabbccddeeff.
  const Bytes pt = hx("00112233445566778899aabbccddeeff");
  check_both_ways(CipherAlg::aes128_ecb, hx("000102030405060708090a0b0c0d0e0f"), {}, pt,
                  hx("69c4e0d86a7b0430d8cdb78070b4c55a"));
  check_both_ways(CipherAlg::aes256_ecb,
                  hx("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), {}, pt,
                  hx("8ea2b7ca516745bfeafc49904b496089"));
}

TEST(CryptoCipherKat, AesCbcRfc3602Case1) {
  const std::string_view msg = "Single block msg";
  check_both_ways(CipherAlg::aes128_cbc, hx("06a9214036b8a15b512e03d534120006"),
                  hx("3dafba429d9eb430b422da802c9fac41"), Bytes(msg.begin(), msg.end()),
                  hx("e353779c1079aeb82708942dbe77181a"));
}

TEST(CryptoCipherKat, AesCtrRfc3686Vector1) {
  // Counter block = nonce 00000030 || IV 0000000000000000 || counter 00000001.
  const std::string_view msg = "Single block msg";
  check_both_ways(CipherAlg::aes128_ctr, hx("ae6852f8121067cc4bf7a5765577f39e"),
                  hx("00000030000000000000000000000001"), Bytes(msg.begin(), msg.end()),
                  hx("e4095d4fb7a7b3792d6175a3261311b8"));
}

}  // namespace
}  // namespace ainet::crypto
