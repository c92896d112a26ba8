// RFC 4868 §2.7.2.1 HMAC-SHA-256 / HMAC-SHA-256-128 vectors (AUTH256-1..4),
// read from ../shared/vectors/rfc, plus the FIPS 180-2 SHA-256 "abc" value;
// the same vectors through the one-shot hmac_once, and RFC 2202's first
// HMAC-SHA-1 case for its SHA-1 form.
#include <gtest/gtest.h>

#include "crypto/hmac.h"
#include "crypto/hmac_once.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

TEST(CryptoHmacKat, Rfc4868HmacSha256AndSha256_128) {
  const auto blocks = read_vector_blocks("rfc4868_hmac_sha256_128.txt", "CASE");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    SCOPED_TRACE(b.at("CASE"));
    const Bytes key = hex_field(b, "KEY"), data = hex_field(b, "DATA");
    const Bytes prf = hex_field(b, "PRF_HMAC_SHA_256"), icv = hex_field(b, "HMAC_SHA_256_128");
    ASSERT_EQ(prf.size(), kSha256Size);
    ASSERT_EQ(icv.size(), kHmacSha256_128IcvSize);
    auto h = Hmac::create(key);
    ASSERT_TRUE(h.ok());
    uint8_t full[kSha256Size];
    ASSERT_EQ(h.value()->compute({data}, full), Errc::ok);
    EXPECT_EQ(to_hex(full), to_hex(prf));
    // RFC 4868 §2.3 truncation, computed twice to show the keyed context is reusable.
    for (int i = 0; i < 2; ++i) {
      uint8_t t[kHmacSha256_128IcvSize];
      ASSERT_EQ(h.value()->compute({data}, t), Errc::ok);
      EXPECT_EQ(to_hex(t), to_hex(icv));
    }
    // The same bytes split across parts give the same MAC.
    const size_t mid = data.size() / 2;
    uint8_t split[kHmacSha256_128IcvSize];
    ASSERT_EQ(h.value()->compute({ByteSpan(data).first(mid), ByteSpan(data).subspan(mid)}, split),
              Errc::ok);
    EXPECT_EQ(to_hex(split), to_hex(icv));
    EXPECT_EQ(h.value()->verify({data}, icv), Errc::ok);
    // The SA's Hmac32 gives the same answers (every RFC 4868 §2.7.2.1 case
    // uses the 32-byte key §2.1.1 fixes).
    {
      auto h32 = Hmac32::make(key);
      ASSERT_TRUE(h32.ok());
      uint8_t t[kHmacSha256_128IcvSize];
      ASSERT_EQ(h32->compute({data}, t), Errc::ok);
      EXPECT_EQ(to_hex(t), to_hex(icv));
      ASSERT_EQ(h32->compute({data}, full), Errc::ok);
      EXPECT_EQ(to_hex(full), to_hex(prf));
    }
    // The one-shot hmac_once gives them too, whole and split across parts.
    {
      uint8_t once[kSha256Size];
      ASSERT_EQ(hmac_once(MacDigest::sha256, key, {data}, once), Errc::ok);
      EXPECT_EQ(to_hex(once), to_hex(prf));
      uint8_t t[kHmacSha256_128IcvSize];
      ASSERT_EQ(hmac_once(MacDigest::sha256, key,
                          {ByteSpan(data).first(mid), ByteSpan(data).subspan(mid)}, t),
                Errc::ok);
      EXPECT_EQ(to_hex(t), to_hex(icv));
    }
  }
}

TEST(CryptoHmacKat, HmacOnceAgreesWithHmacOnLongKeysAndRefusesBadSizes) {
  // A key longer than the block is hashed first (RFC 2104 §2), by Hmac
  // itself and by OpenSSL under hmac_once: the same MAC.
  for (size_t len : {1u, 31u, 32u, 64u, 65u, 131u}) {
    SCOPED_TRACE(len);
    Bytes key(len);
    for (size_t i = 0; i < len; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
    const Bytes data(200, 0x42);
    auto h = Hmac::create(key);
    ASSERT_TRUE(h.ok());
    uint8_t want[kSha256Size], got[kSha256Size];
    ASSERT_EQ(h.value()->compute({data}, want), Errc::ok);
    ASSERT_EQ(hmac_once(MacDigest::sha256, key, {data}, got), Errc::ok);
    EXPECT_EQ(to_hex(got), to_hex(want));
  }
  const Bytes key(32, 1), data(8, 2);
  uint8_t out[33];
  EXPECT_EQ(hmac_once(MacDigest::sha256, {}, {data}, MutByteSpan(out, 32)), Errc::invalid_argument);
  EXPECT_EQ(hmac_once(MacDigest::sha256, key, {data}, MutByteSpan(out, 0)), Errc::invalid_argument);
  EXPECT_EQ(hmac_once(MacDigest::sha256, key, {data}, MutByteSpan(out, 33)), Errc::invalid_argument);
  EXPECT_EQ(hmac_once(MacDigest::sha1, key, {data}, MutByteSpan(out, 21)), Errc::invalid_argument);
}

// RFC 2202 §3 test case 1 (not in the shared folder): HMAC-SHA-1.
TEST(CryptoHmacKat, Rfc2202Sha1Case1ViaHmacOnce) {
  const Bytes key(20, 0x0b);
  const uint8_t hi_there[] = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
  uint8_t out[20];
  ASSERT_EQ(hmac_once(MacDigest::sha1, key, {ByteSpan(hi_there)}, out), Errc::ok);
  EXPECT_EQ(to_hex(out), "b617318655057264e28bc0b6fb378c8ef146be00");
}

// FIPS 180-2 Appendix B.1 (not in the shared folder): SHA-256("abc").
TEST(CryptoSha256Kat, Fips180AppendixB1) {
  const uint8_t abc[] = {'a', 'b', 'c'};
  uint8_t out[kSha256Size];
  ASSERT_EQ(sha256({ByteSpan(abc)}, out), Errc::ok);
  EXPECT_EQ(to_hex(out), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Split across parts.
  ASSERT_EQ(sha256({ByteSpan(abc).first(1), ByteSpan(abc).subspan(1)}, out), Errc::ok);
  EXPECT_EQ(to_hex(out), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ainet::crypto
