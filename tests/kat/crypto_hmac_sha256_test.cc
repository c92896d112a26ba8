// RFC 4868 §2.7.2.1 HMAC-SHA-256 / HMAC-SHA-256-128 vectors (AUTH256-1..4),
// read from ../shared/vectors/rfc, plus the FIPS 180-2 SHA-256 "abc" value.
#include <gtest/gtest.h>

#include "crypto/hmac.h"
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
  }
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
