// aind's [ike] section and [customer.ike] tables (daemon/ike_settings.cc):
// a PSK and an Ed25519 customer map onto ike::IkeConfig, identities are
// spelled as strongSwan spells them, and each mistake is one
// file:line: field: message.
#include <gtest/gtest.h>

#include <string>

#include "daemon/config.h"

namespace ainet::daemon {
namespace {

const std::string k64 = "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50";

// Lines 1-10.
std::string base(const std::string& carrier = "udp") {
  return "[node]\n"  // 1
         "id = 1\n"  // 2
         "onion_key = \"" +
         k64 +
         "\"\n"                   // 3
         "\n"                     // 4
         "[directory]\n"          // 5
         "file = \"dir.toml\"\n"  // 6
         "authority_key = \"" +
         k64 +
         "\"\n"         // 7
         "[network]\n"  // 8
         "carrier = \"" +
         carrier +
         "\"\n"  // 9
         "\n";   // 10
}

// Lines 11-16.
std::string psk_customer(const std::string& extra = "") {
  return "[[customer]]\n"               // 11
         "id = 12\n"                    // 12
         "name = \"alice\"\n"           // 13
         "[customer.ike]\n"             // 14
         "id = \"alice@ainet.test\"\n"  // 15
         "auth = \"psk\"\npsk = \"0123456789abcdef-secret\"\n" +
         extra;  // 16, 17
}

std::string ike_section(const std::string& extra = "") {
  return "\n[ike]\nlocal_id = \"ain1.ainet.test\"\npool_v4 = \"10.98.0.0/24\"\n" + extra;
}

std::string error_of(const std::string& text) {
  ConfigLoad r = parse_config(text, "aind.toml", "/etc/ainet");
  EXPECT_FALSE(r.ok);
  return r.error;
}

TEST(IkeSettings, AbsentMeansDisabled) {
  ConfigLoad r = parse_config(base(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.config.ike.enabled);
  EXPECT_TRUE(r.config.ike.engine.peers.empty());
}

TEST(IkeSettings, PskCustomerMapsOntoThePeerConfig) {
  ConfigLoad r = parse_config(base() + psk_customer() + ike_section("child_rekey = \"20m\"\n"),
                              "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const IkeSettings& s = r.config.ike;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.port, 500);
  ASSERT_EQ(r.config.engine.customers.size(), 1u);
  EXPECT_TRUE(r.config.engine.customers[0].ike);
  EXPECT_EQ(r.config.engine.customers[0].id, 12u);
  ASSERT_EQ(s.engine.peers.size(), 1u);
  const ike::PeerConfig& p = s.engine.peers[0];
  EXPECT_EQ(p.name, "alice");
  EXPECT_EQ(s.customer_of_peer.at("alice"), 12u);
  EXPECT_EQ(p.remote_id, ike::Identity::rfc822("alice@ainet.test"));
  EXPECT_EQ(p.local_id, ike::Identity::fqdn("ain1.ainet.test"));
  EXPECT_EQ(p.remote_auth.kind, ike::AuthKind::psk);
  EXPECT_EQ(std::string(p.remote_auth.psk.begin(), p.remote_auth.psk.end()),
            "0123456789abcdef-secret");
  EXPECT_EQ(p.local_auth.psk, p.remote_auth.psk);
  EXPECT_TRUE(p.assign_address);
  EXPECT_FALSE(p.child_pfs);  // strongSwan's esp_proposals without a DH group refuse PFS rekeys
  ASSERT_TRUE(s.engine.pool_v4.has_value());
  EXPECT_EQ(s.engine.pool_v4->to_string(), "10.98.0.0/24");
  EXPECT_TRUE(s.engine.force_encap);  // the udp carrier cannot take bare ESP
  EXPECT_EQ(s.engine.lifetimes.child_soft.ns, Duration::s(1200).ns);
  EXPECT_GT(s.engine.lifetimes.child_hard.ns, s.engine.lifetimes.child_soft.ns);
}

TEST(IkeSettings, Ed25519CustomerUsesTheNodeIdentityKey) {
  const std::string text =
      base() +
      "[[customer]]\nid = 13\nname = \"bob\"\n[customer.ike]\nid = \"bob.ainet.test\"\n"
      "auth = \"ed25519\"\npublic_key = \"" +
      k64 + "\"\n" + ike_section();
  // Without [node] identity_key this AIN has nothing to sign with.
  EXPECT_NE(error_of(text).find("node.identity_key: missing"), std::string::npos) << error_of(text);
  std::string with_id = text;
  with_id.insert(with_id.find("\n\n[directory]"), "\nidentity_key = \"" + k64 + "\"");
  ConfigLoad r = parse_config(with_id, "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const ike::PeerConfig& p = r.config.ike.engine.peers.at(0);
  EXPECT_EQ(p.remote_auth.kind, ike::AuthKind::ed25519);
  EXPECT_EQ(p.remote_id, ike::Identity::fqdn("bob.ainet.test"));
  EXPECT_FALSE(p.local_auth.ed25519.empty());
}

TEST(IkeSettings, IdentitiesAreSpelledLikeStrongSwan) {
  EXPECT_EQ(*parse_identity("10.0.0.1"),
            ike::Identity::address(*wire::IpAddress::parse("10.0.0.1")));
  EXPECT_EQ(*parse_identity("@vpn.example"), ike::Identity::fqdn("vpn.example"));
  EXPECT_EQ(*parse_identity("user@example.org"), ike::Identity::rfc822("user@example.org"));
  EXPECT_EQ(*parse_identity("vpn.example"), ike::Identity::fqdn("vpn.example"));
  EXPECT_FALSE(parse_identity("").has_value());
}

TEST(IkeSettings, MistakesNameFileLineAndField) {
  EXPECT_EQ(error_of(base() + psk_customer()),
            "aind.toml:14: ike: missing: customers with an `ike` table need an [ike] section");
  // The ip carrier is fine too: the IKE node binds udp_port for the ESP in UDP.
  {
    ConfigLoad ip = parse_config(base("ip") + psk_customer() + ike_section(), "aind.toml", "/etc/ainet");
    EXPECT_TRUE(ip.ok) << ip.error;
    EXPECT_TRUE(ip.config.ike.engine.force_encap);
  }
  std::string bad_auth = base() + psk_customer() + ike_section();
  bad_auth.replace(bad_auth.find("auth = \"psk\""), 12, "auth = \"rsa\"");
  EXPECT_EQ(error_of(bad_auth),
            "aind.toml:16: customer[0].ike.auth: expected \"psk\" or \"ed25519\", got \"rsa\"");
  std::string short_psk = base() + psk_customer() + ike_section();
  short_psk.replace(short_psk.find("0123456789abcdef-secret"), 23, "short");
  EXPECT_EQ(error_of(short_psk),
            "aind.toml:17: customer[0].ike.psk: a pre-shared key of 5 characters is guessable; use "
            "at least 16");
  EXPECT_EQ(error_of(base() + psk_customer("tunnel_address = \"10.0.0.9\"\n") + ike_section()),
            "aind.toml:18: customer[0].ike.tunnel_address: unknown key");
  std::string manual = base() + psk_customer() + ike_section();
  manual.insert(manual.find("[customer.ike]"), "tunnel_address = \"10.0.0.9\"\n");
  EXPECT_EQ(
      error_of(manual),
      "aind.toml:14: customer[0].tunnel_address: not with `ike` (IKEv2 negotiates the tunnel)");
  EXPECT_EQ(
      error_of(base() + psk_customer() + "\n[ike]\nlocal_id = \"a.b\"\npool_v4 = \"fd00::/64\"\n"),
      "aind.toml:21: ike.pool_v4: expected an IPv4 prefix such as \"10.77.0.0/24\", got "
      "\"fd00::/64\"");
  EXPECT_EQ(error_of(base() + psk_customer() + "\n[ike]\nlocal_id = \"a.b\"\n"),
            "aind.toml:19: ike.pool_v4: missing: IKE customers get their inner address from "
            "pool_v4 and/or pool_v6");
  // The same identity for two customers would make the second unreachable.
  std::string twice =
      base() + psk_customer() +
      "[[customer]]\nid = 13\nname = \"carol\"\n[customer.ike]\nid = \"alice@ainet.test\"\n"
      "auth = \"psk\"\npsk = \"0123456789abcdef-other\"\n" +
      ike_section();
  EXPECT_EQ(error_of(twice),
            "aind.toml:22: customer[1].ike.id: identity \"alice@ainet.test\" is already customer "
            "\"alice\"'s");
}

// [[pvt]] keying = "ike" (docs/ike.md "PVTs"): no keys, the udp carrier, and
// the node identity key (or a PSK); each mistake names file, line and field.
std::string ike_pvt(const std::string& extra = "") {
  return "[[pvt]]\n"           // 11
         "peer = 2\n"          // 12
         "keying = \"ike\"\n"  // 13
         + extra;              // 14...
}
std::string with_identity(std::string text) {
  return text.replace(text.find("\n\n"), 2, "\nidentity_key = \"" + k64 + "\"\n");
}

TEST(IkePvtSettings, IkeKeyedPvtLoadsWithoutKeys) {
  ConfigLoad r = parse_config(with_identity(base()) + ike_pvt(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.config.engine.pvts.size(), 1u);
  EXPECT_TRUE(r.config.engine.pvts[0].ike);
  EXPECT_TRUE(r.config.engine.pvts[0].tvt_secret.empty());
  EXPECT_TRUE(r.config.ike.enabled);  // no [ike] section needed
  EXPECT_TRUE(r.config.ike.engine.force_encap);
  ASSERT_EQ(r.config.ike.pvts.size(), 1u);
  EXPECT_EQ(r.config.ike.pvts[0].peer, 2u);
  EXPECT_TRUE(r.config.ike.pvts[0].psk.empty());
  // With a PSK instead of the identity key.
  r = parse_config(base() + ike_pvt("psk = \"0123456789abcdef-pvt\"\n"), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.ike.pvts[0].psk.size(), 20u);
}

TEST(IkePvtSettings, MistakesNameFileLineAndField) {
  EXPECT_EQ(
      error_of(with_identity(base("ip")) + ike_pvt()),
      "aind.toml:13: pvt[0].keying: \"ike\" needs [network] carrier = \"udp\" (the negotiated "
      "ESP is UDP-encapsulated, RFC 3948)");
  EXPECT_EQ(
      error_of(base() + ike_pvt()),
      "aind.toml:13: pvt[0].keying: \"ike\" authenticates with [node] identity_key (RFC 8420), "
      "which is missing; or give psk");
  EXPECT_EQ(
      error_of(with_identity(base()) + ike_pvt("tvt_secret = \"" + k64 + "\"\n")),
      "aind.toml:14: pvt[0].tvt_secret: not with keying = \"ike\" (IKEv2 negotiates the keys)");
  EXPECT_EQ(error_of(with_identity(base()) + "[[pvt]]\npeer = 2\nkeying = \"auto\"\n"),
            "aind.toml:13: pvt[0].keying: expected \"manual\" or \"ike\", got \"auto\"");
  EXPECT_EQ(
      error_of(base() + ike_pvt("psk = \"short\"\n")),
      "aind.toml:14: pvt[0].psk: a pre-shared key of 5 characters is guessable; use at least 16");
  EXPECT_EQ(error_of(base() + "[[pvt]]\npeer = 2\npsk = \"0123456789abcdef-pvt\"\n"),
            "aind.toml:13: pvt[0].psk: only with keying = \"ike\"");
}

}  // namespace
}  // namespace ainet::daemon

namespace ainet::daemon {
namespace {

// A registered responder ([[responder]], paper §4.4) over IKEv2: no CP, its
// TSi narrowed to the prefixes it serves; no pool needed for it alone.
TEST(IkeSettings, ResponderKeepsItsServedAddresses) {
  const std::string text = base() +
                           "[[responder]]\nid = 20\nname = \"rr\"\nserves = [\"10.200.4.0/24\"]\n"
                           "[responder.ike]\nid = \"rr@ainet.test\"\nauth = \"psk\"\n"
                           "psk = \"0123456789abcdef-secret\"\n"
                           "\n[ike]\nlocal_id = \"ain3.ainet.test\"\n";
  ConfigLoad r = parse_config(text, "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.config.engine.customers.size(), 1u);
  EXPECT_TRUE(r.config.engine.customers[0].ike);
  ASSERT_EQ(r.config.engine.customers[0].serves.size(), 1u);
  const ike::PeerConfig& p = r.config.ike.engine.peers.at(0);
  EXPECT_FALSE(p.assign_address);
  ASSERT_EQ(p.remote_ts.size(), 1u);
  EXPECT_EQ(p.remote_ts[0],
            ike::TrafficSelector::from_prefix(*wire::IpPrefix::parse("10.200.4.0/24")));
  EXPECT_EQ(r.config.ike.customer_of_peer.at("rr"), 20u);
  // `serves` is still required for a responder.
  std::string no_serves = text;
  no_serves.erase(no_serves.find("serves = "), std::string("serves = [\"10.200.4.0/24\"]\n").size());
  EXPECT_EQ(error_of(no_serves), "aind.toml:11: responder[0].serves: missing (required)");
}

}  // namespace
}  // namespace ainet::daemon
