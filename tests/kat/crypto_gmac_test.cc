// AES-GMAC known answers. RFC 4543 publishes no test vectors and none are in
// ../shared/vectors/rfc, so these GCM vectors with an empty plaintext (which
// is exactly GMAC, RFC 4543 §2) are quoted here:
//   * McGrew & Viega GCM spec Appendix B, Test Case 1 (K = 0, IV = 0, no AAD);
//   * NIST CAVP GCMVS gcmEncryptExtIV128.rsp, [PTlen = 0, AADlen = 128], Count 0.
#include <gtest/gtest.h>

#include "crypto/gmac.h"

namespace ainet::crypto {
namespace {

Bytes hx(std::string_view s) {
  return from_hex(s).value();
}

TEST(CryptoGmacKat, GcmSpecTestCase1EmptyAad) {
  auto g = Gmac::create(Bytes(16, 0));
  ASSERT_TRUE(g.ok());
  uint8_t tag[kGmacTagSize];
  ASSERT_EQ(g.value()->compute(Bytes(12, 0), {}, tag), Errc::ok);
  EXPECT_EQ(to_hex(tag), "58e2fccefa7e3061367f1d57a4e7455a");
}

TEST(CryptoGmacKat, NistGcmvsAadOnlyCount0) {
  auto g = Gmac::create(hx("77be63708971c4e240d1cb79e8d77feb"));
  ASSERT_TRUE(g.ok());
  const Bytes nonce = hx("e0e00f19fed7ba0136a797f3"), aad = hx("7a43ec1d9c0a5a78a0b16533a6213cab");
  const Bytes want = hx("209fcc8d3675ed938e9c7166709dd946");
  uint8_t tag[kGmacTagSize];
  ASSERT_EQ(g.value()->compute(nonce, {aad}, tag), Errc::ok);
  EXPECT_EQ(to_hex(tag), to_hex(want));
  // Split into parts, as AH-GMAC feeds header, zeroed ICV and payload separately.
  ASSERT_EQ(g.value()->compute(nonce, {ByteSpan(aad).first(5), ByteSpan(aad).subspan(5)}, tag),
            Errc::ok);
  EXPECT_EQ(to_hex(tag), to_hex(want));
  EXPECT_EQ(g.value()->verify(nonce, {aad}, want), Errc::ok);
}

}  // namespace
}  // namespace ainet::crypto
