// The optional per-AIN `ticket_key` of the signed directory
// (docs/protocol.md "Directory", "Tickets"): an RSA-2048 SubjectPublicKeyInfo
// in hex; anything else is refused with its line and field.
#include <gtest/gtest.h>

#include <string>

#include "core/directory.h"
#include "support/vector_file.h"
#include "ticket_test_keys.h"

namespace ainet::core {
namespace {

const std::string k32a(64, '1'), k32b(64, '2');

// Line 1-2 header, [[ain]] at line 4, ticket_key (when given) at line 11.
std::string body(const std::string& ticket_line) {
  return "version = 1\n"
         "expires = 1893456000\n"
         "\n"
         "[[ain]]\n"
         "id = 1\n"
         "name = \"ain1\"\n"
         "address = \"10.0.0.1\"\n"
         "identity_key = \"" +
         k32a +
         "\"\n"
         "onion_key = \"" +
         k32b +
         "\"\n"
         "neighbours = []\n" +
         ticket_line;
}

std::string spki_hex(const crypto::BlindRsaPublicKey& k) {
  auto der = k.spki_der();
  EXPECT_TRUE(der.ok());
  return to_hex(*der);
}

TEST(DirectoryTicketKey, OptionalAndParsedWhenPresent) {
  auto none = parse_directory_body(body(""));
  ASSERT_TRUE(none.ok()) << none.message;
  EXPECT_FALSE(none.directory.find(1)->ticket_key.valid());

  const auto& key = test_keys::ticket_key(0).public_key();
  auto with = parse_directory_body(body("ticket_key = \"" + spki_hex(key) + "\"\n"));
  ASSERT_TRUE(with.ok()) << with.message;
  const AinEntry* e = with.directory.find(1);
  ASSERT_TRUE(e->ticket_key.valid());
  EXPECT_TRUE(e->ticket_key.same_key(key));
  EXPECT_EQ(e->ticket_key.modulus_bits(), 2048u);
}

TEST(DirectoryTicketKey, RefusalsNameLineAndField) {
  const std::string good = spki_hex(test_keys::ticket_key(0).public_key());
  // A 4096-bit key (RFC 9474 Appendix A's), e = 3, an Ed25519 SPKI, and bad encodings.
  const auto vec = test::read_vector_blocks_at(
      std::string(AINET_KAT_VECTORS_DIR) + "/rfc9474_blind_rsa.txt", "variant");
  ASSERT_FALSE(vec.empty());
  auto k4096 = crypto::BlindRsaPublicKey::from_components(test::hex_field(vec[0], "n"),
                                                          test::hex_field(vec[0], "e"));
  ASSERT_TRUE(k4096.ok());
  auto n2048 = test_keys::ticket_key(0).public_key().spki_der();
  ASSERT_TRUE(n2048.ok());
  // The modulus sits at the end of the SPKI, just before the exponent 01 00 01.
  Bytes n_only(n2048->end() - 5 - 256, n2048->end() - 5);
  auto e3 = crypto::BlindRsaPublicKey::from_components(n_only, Bytes{3});
  ASSERT_TRUE(e3.ok());
  const std::string ed25519_spki = "302a300506032b6570032100" + k32a;
  const std::string cases[] = {
      spki_hex(*k4096),                 // wrong size for a 256-byte ticket signature
      spki_hex(*e3),                    // e must be 65537
      ed25519_spki,                     // not RSA
      good + "00",                      // trailing byte
      good.substr(0, good.size() - 2),  // truncated
      good.substr(0, 11),               // odd length
      "zz" + good.substr(2),            // not hex
      "",                               // empty
  };
  for (const std::string& c : cases) {
    auto d = parse_directory_body(body("ticket_key = \"" + c + "\"\n"));
    EXPECT_FALSE(d.ok()) << c.substr(0, 40);
    EXPECT_EQ(d.error, Errc::malformed);
    EXPECT_EQ(d.message.rfind("line 11: field 'ain[0].ticket_key': expected the hex of the DER", 0),
              0u)
        << d.message;
  }
  auto not_string = parse_directory_body(body("ticket_key = 5\n"));
  EXPECT_EQ(not_string.message.rfind("line 11: field 'ain[0].ticket_key'", 0), 0u)
      << not_string.message;
  // Unknown keys are still refused (a typo must not silently drop the key).
  auto typo = parse_directory_body(body("ticket_keys = \"" + good + "\"\n"));
  EXPECT_EQ(typo.message, "line 11: field 'ain[0].ticket_keys': unknown field");
}

}  // namespace
}  // namespace ainet::core
