// aind's [tickets] section (daemon/ticket_config.cc): defaults, a full
// section with a key file, and one file:line:field message per mistake.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "crypto/blind_rsa.h"
#include "daemon/config.h"

namespace ainet::daemon {
namespace {

const std::string k64 = "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50";
const std::string k72 = "8fc7102c751aa047ae1fa777145f8620c4a9080e45376652fc5b3f5fc3e615b08de5719f";

// Lines 1-7; [tickets] starts at line 8.
std::string base() {
  return "[node]\n"  // 1
         "id = 1\n"  // 2
         "onion_key = \"" +
         k64 +
         "\"\n"                   // 3
         "\n"                     // 4
         "[directory]\n"          // 5
         "file = \"dir.toml\"\n"  // 6
         "authority_key = \"" +
         k64 + "\"\n";  // 7
}

std::string customer_block() {
  return "[[customer]]\n"
         "id = 10\n"
         "tunnel_address = \"198.51.100.7\"\n"
         "[customer.out]\n"
         "esp_spi = 4097\nesp_key = \"" +
         k72 + "\"\nah_spi = 4098\nah_key = \"" + k64 +
         "\"\n"
         "[customer.in]\n"
         "esp_spi = 8193\nesp_key = \"" +
         k72 + "\"\nah_spi = 8194\nah_key = \"" + k64 + "\"\n";
}

// A scratch directory with key files, removed at the end.
struct KeyDir {
  std::string path;
  KeyDir() {
    char tmpl[] = "/tmp/ainet-ticket-config-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~KeyDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name) << text;
  }
};

const crypto::BlindRsaPrivateKey& key2048() {
  static const crypto::BlindRsaPrivateKey k = *crypto::BlindRsaPrivateKey::generate(2048);
  return k;
}

std::string error_of(const std::string& text, const std::string& dir = "/etc/ainet") {
  ConfigLoad r = parse_config(text, "aind.toml", dir);
  EXPECT_FALSE(r.ok);
  return r.error;
}

TEST(TicketConfig, AbsentSectionMeansDisabledDefaults) {
  ConfigLoad r = parse_config(base(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const TicketSettings& t = r.config.tickets;
  EXPECT_FALSE(t.config.enabled);
  EXPECT_EQ(t.config.slice_seconds, 60u);
  EXPECT_EQ(t.config.grace_seconds, 5u);
  EXPECT_TRUE(t.key_file.empty());
  EXPECT_FALSE(t.key.valid());
}

TEST(TicketConfig, FullSectionWithRelativeKeyFile) {
  KeyDir d;
  d.write("ticket.pem", *key2048().to_pem());
  const std::string text = base() +
                           "[tickets]\n"
                           "enabled = true\n"
                           "key_file = \"ticket.pem\"\n"
                           "slice_seconds = 120\n"
                           "grace_seconds = 10\n"
                           "quota_ants = 7\n"
                           "max_customers = 100\n"
                           "issuer_cap = 500\n"
                           "spent_capacity = 2048\n" +
                           customer_block();
  ConfigLoad r = parse_config(text, "aind.toml", d.path);
  ASSERT_TRUE(r.ok) << r.error;
  const TicketSettings& t = r.config.tickets;
  EXPECT_TRUE(t.config.enabled);
  EXPECT_EQ(t.key_file, d.path + "/ticket.pem");
  ASSERT_TRUE(t.key.valid());
  EXPECT_TRUE(t.key.public_key().same_key(key2048().public_key()));
  EXPECT_EQ(t.config.slice_seconds, 120u);
  EXPECT_EQ(t.config.grace_seconds, 10u);
  EXPECT_EQ(t.config.quota_ants, 7u);
  EXPECT_EQ(t.config.max_customers, 100u);
  EXPECT_EQ(t.config.issuer_cap, 500u);
  EXPECT_EQ(t.config.spent_capacity, 2048u);
}

TEST(TicketConfig, EveryMistakeNamesFileLineAndField) {
  KeyDir d;
  d.write("garbage.pem", "not a key\n");
  auto key3072 = crypto::BlindRsaPrivateKey::generate(3072);
  ASSERT_TRUE(key3072.ok());
  d.write("big.pem", *key3072->to_pem());
  const std::string t = base() + "[tickets]\n";  // [tickets] on line 8, keys from line 9
  EXPECT_EQ(error_of(t + "enable = true\n"), "aind.toml:9: tickets.enable: unknown key");
  EXPECT_EQ(error_of(t + "enabled = 1\n"),
            "aind.toml:9: tickets.enabled: expected true or false, got an integer");
  EXPECT_EQ(error_of(t + "slice_seconds = 0\n"),
            "aind.toml:9: tickets.slice_seconds: expected 1..86400, got 0");
  EXPECT_EQ(error_of(t + "slice_seconds = 10\ngrace_seconds = 5\n"),
            "aind.toml:10: tickets.grace_seconds: must be less than half of tickets.slice_seconds "
            "(10), got 5");
  // The default grace (5 s) against a short slice: the message points at the section.
  EXPECT_EQ(error_of(t + "slice_seconds = 4\n"),
            "aind.toml:8: tickets.grace_seconds: must be less than half of tickets.slice_seconds "
            "(4), got 5");
  EXPECT_EQ(error_of(t + "quota_ants = 0\n"),
            "aind.toml:9: tickets.quota_ants: expected 1..1000000, got 0");
  EXPECT_EQ(error_of(t + "spent_capacity = 99999999\n"),
            "aind.toml:9: tickets.spent_capacity: expected 1..4194304, got 99999999");
  EXPECT_EQ(error_of(t + "issuer_cap = \"many\"\n"),
            "aind.toml:9: tickets.issuer_cap: expected an integer, got a string");
  EXPECT_EQ(error_of(t + "key_file = \"nope.pem\"\n", d.path),
            "aind.toml:9: tickets.key_file: cannot read \"" + d.path +
                "/nope.pem\": No such file or directory");
  EXPECT_EQ(error_of(t + "key_file = \"garbage.pem\"\n", d.path),
            "aind.toml:9: tickets.key_file: \"" + d.path +
                "/garbage.pem\": not an unencrypted PEM RSA private key");
  EXPECT_EQ(error_of(t + "key_file = \"big.pem\"\n", d.path),
            "aind.toml:9: tickets.key_file: \"" + d.path +
                "/big.pem\": an RSA key of 3072 bits with e = 65537; tickets need RSA-2048 with "
                "e = 65537");
  EXPECT_EQ(error_of(t + "key_file = \"\"\n"),
            "aind.toml:9: tickets.key_file: expected a file path, got \"\"");
  // Enabled at an entrance (it has a [[customer]]) without a key.
  EXPECT_EQ(error_of(t + "enabled = true\n" + customer_block()),
            "aind.toml:8: tickets.key_file: missing (required when tickets are enabled and this "
            "AIN has [[customer]] entries: it issues their tickets)");
  // A relay or exit (no customers) verifies only and needs no key.
  ConfigLoad relay = parse_config(t + "enabled = true\n", "aind.toml", "/etc/ainet");
  EXPECT_TRUE(relay.ok) << relay.error;
}

}  // namespace
}  // namespace ainet::daemon
