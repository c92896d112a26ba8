// RFC 7748 X25519 vectors: §5.2 scalar-multiplication cases and §6.1
// Diffie-Hellman, read from ../shared/vectors/rfc; the §5.2 1,000-iteration
// value is not in that folder and is quoted below.
#include <gtest/gtest.h>

#include "crypto/kex.h"
#include "support/vector_file.h"

namespace ainet::crypto {
namespace {

using test::hex_field;
using test::read_vector_blocks;

TEST(CryptoX25519Kat, Rfc7748Section52AndSection61) {
  // SECTION = 6.1 is not a block start key, so the DH fields land in the
  // last COUNT block (check_rfc_vectors.py reads the file the same way).
  const auto blocks = read_vector_blocks("rfc7748_x25519.txt", "COUNT");
  ASSERT_GT(blocks.size(), 0u);
  int scalar_cases = 0, dh_cases = 0;
  for (const auto& b : blocks) {
    SCOPED_TRACE("COUNT " + (b.count("COUNT") ? b.at("COUNT") : std::string("?")));
    if (b.count("INPUT_SCALAR")) {
      uint8_t out[32];
      ASSERT_EQ(x25519(hex_field(b, "INPUT_SCALAR"), hex_field(b, "INPUT_U"), out), Errc::ok);
      EXPECT_EQ(to_hex(out), to_hex(hex_field(b, "OUTPUT_U")));
      ++scalar_cases;
    }
    if (b.count("ALICE_PRIVATE")) {
      const Bytes a = hex_field(b, "ALICE_PRIVATE"), bo = hex_field(b, "BOB_PRIVATE");
      auto apub = x25519_public(a);
      auto bpub = x25519_public(bo);
      ASSERT_TRUE(apub.ok());
      ASSERT_TRUE(bpub.ok());
      EXPECT_EQ(to_hex(apub.value()), to_hex(hex_field(b, "ALICE_PUBLIC")));
      EXPECT_EQ(to_hex(bpub.value()), to_hex(hex_field(b, "BOB_PUBLIC")));
      uint8_t k1[32], k2[32];
      ASSERT_EQ(x25519(a, hex_field(b, "BOB_PUBLIC"), k1), Errc::ok);
      ASSERT_EQ(x25519(bo, hex_field(b, "ALICE_PUBLIC"), k2), Errc::ok);
      EXPECT_EQ(to_hex(k1), to_hex(hex_field(b, "SHARED")));
      EXPECT_EQ(to_hex(k2), to_hex(hex_field(b, "SHARED")));
      ++dh_cases;
    }
  }
  EXPECT_EQ(scalar_cases, 3);
  EXPECT_EQ(dh_cases, 1);
}

// RFC 7748 §5.2: k = u = 9; repeat k, u = X25519(k, u), k. After 1,000
// iterations k is the value below (quoted from the RFC; not in the shared folder).
TEST(CryptoX25519Kat, Rfc7748Section52ThousandIterations) {
  std::array<uint8_t, 32> k{}, u{}, next{};
  k[0] = 9;
  u[0] = 9;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(x25519(k, u, next), Errc::ok);
    u = k;
    k = next;
  }
  EXPECT_EQ(to_hex(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

}  // namespace
}  // namespace ainet::crypto
