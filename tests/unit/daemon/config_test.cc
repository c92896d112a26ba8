// aind config: the example file loads and maps into EngineConfig; every class
// of mistake gives exactly one message naming file, line and field.
#include "daemon/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "crypto/kex.h"
#include "support/aind_config_text.h"
#include "util/bytes.h"

namespace ainet::daemon {
namespace {

using test::aind_config_head;
const std::string& k64 = test::kHexKey32;
const std::string k72 = "8fc7102c751aa047ae1fa777145f8620c4a9080e45376652fc5b3f5fc3e615b08de5719f";

// A PVT block of 13 lines; inbound SPIs are base+1 and base+2.
std::string pvt_block(int peer, int base) {
  return "[[pvt]]\n"
         "peer = " + std::to_string(peer) + "\n"
         "tvt_secret = \"" + k64 + "\"\n"
         "[pvt.out]\n"
         "esp_spi = 4097\n"
         "esp_key = \"" + k72 + "\"\n"
         "ah_spi = 4098\n"
         "ah_key = \"" + k64 + "\"\n"
         "[pvt.in]\n"
         "esp_spi = " + std::to_string(base + 1) + "\n"
         "esp_key = \"" + k72 + "\"\n"
         "ah_spi = " + std::to_string(base + 2) + "\n"
         "ah_key = \"" + k64 + "\"\n";
}

// Lines 1-7, then pvt[0] on lines 8-20.
std::string base_config() { return aind_config_head() + pvt_block(2, 8192); }

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& text) { return test::aind_config_error(text); }

TEST(Config, BaseConfigLoadsWithDefaults) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const AindConfig& c = r.config;
  EXPECT_EQ(c.engine.self, 1u);
  EXPECT_EQ(c.node_name, "ain1");
  EXPECT_EQ(c.directory_file, "/etc/ainet/dir.toml");  // relative to the config's directory
  EXPECT_EQ(c.engine.carrier, core::Carrier::ip);
  EXPECT_EQ(c.engine.cell_size, 1400u);
  EXPECT_EQ(c.control_socket, "/run/ainet/aind.sock");
  EXPECT_EQ(c.log_level, LogLevel::info);
  EXPECT_TRUE(c.identity_seed.empty());
  ASSERT_EQ(c.engine.pvts.size(), 1u);
  EXPECT_EQ(c.engine.pvts[0].in.esp_spi, 8193u);
  EXPECT_EQ(c.engine.pvts[0].out.ah_key.size(), 32u);
  EXPECT_EQ(c.engine.pvts[0].tvt_secret.size(), 32u);
}

TEST(Config, ExampleFileLoadsAndMapsIntoEngineConfig) {
  ConfigLoad r = load_config(std::string(AINET_SOURCE_DIR) + "/examples/aind.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const AindConfig& c = r.config;
  const core::EngineConfig& e = c.engine;
  EXPECT_EQ(e.self, 1u);
  EXPECT_EQ(c.node_name, "ain1");
  EXPECT_EQ(to_hex(e.onion_private.span()), "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50");
  auto onion_pub = crypto::x25519_public(e.onion_private.span());
  ASSERT_TRUE(onion_pub);
  EXPECT_EQ(c.onion_public, *onion_pub);
  EXPECT_EQ(c.identity_seed.size(), 32u);
  EXPECT_EQ(c.directory_file, "/etc/ainet/directory.toml");
  EXPECT_EQ(to_hex(c.authority_key), "c13a43f3162d5cb91800713816dd501852e2dee9ca4de2ea5a24229fe14b17b9");
  EXPECT_EQ(e.carrier, core::Carrier::ip);
  EXPECT_EQ(c.udp_port, 4500);
  EXPECT_EQ(c.tun_name, "ain0");
  ASSERT_EQ(e.exit_pool.size(), 2u);
  EXPECT_EQ(e.exit_pool[1].to_string(), "fd00:64::/96");
  EXPECT_EQ(e.cell_size, 1400u);
  EXPECT_EQ(e.route_length, 3u);
  EXPECT_EQ(e.ant_lifetime, Duration::s(3600));
  EXPECT_EQ(e.inactivity_timeout, Duration::s(120));
  EXPECT_EQ(e.setup_timeout, Duration::s(3));
  EXPECT_EQ(e.keepalive_interval, Duration::s(1));
  EXPECT_EQ(e.setup_attempts, 3);
  EXPECT_EQ(e.max_ants, 100000u);
  EXPECT_EQ(e.pending_queue, 8u);
  ASSERT_EQ(e.pvts.size(), 1u);
  EXPECT_EQ(e.pvts[0].peer, 2u);
  EXPECT_EQ(e.pvts[0].out.esp_spi, 0x00010201u);
  EXPECT_EQ(e.pvts[0].in.ah_spi, 0x00020102u);
  EXPECT_EQ(to_hex(e.pvts[0].out.esp_key),
            "8fc7102c751aa047ae1fa777145f8620c4a9080e45376652fc5b3f5fc3e615b08de5719f");
  ASSERT_EQ(e.customers.size(), 2u);
  EXPECT_EQ(e.customers[0].name, "alice");
  EXPECT_EQ(e.customers[0].tunnel_address.to_string(), "198.51.100.7");
  EXPECT_TRUE(e.customers[0].serves.empty());
  EXPECT_EQ(e.customers[1].id, 20u);
  ASSERT_EQ(e.customers[1].serves.size(), 2u);
  EXPECT_EQ(e.customers[1].serves[0].to_string(), "192.0.2.0/24");
  EXPECT_EQ(c.control_socket, "/run/ainet/aind.sock");
  EXPECT_EQ(c.log_level, LogLevel::info);
}

TEST(Config, DurationsAcceptUnits) {
  std::string t = base_config() + "[ant]\nlifetime = 0\ninactivity_timeout = \"2m\"\nsetup_timeout = \"500ms\"\nkeepalive_interval = \"1h\"\n";
  // [ant] after [[pvt]] is a new top-level table in TOML.
  ConfigLoad r = parse_config(t, "aind.toml", "");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.engine.ant_lifetime, Duration{0});
  EXPECT_EQ(r.config.engine.inactivity_timeout, Duration::s(120));
  EXPECT_EQ(r.config.engine.setup_timeout, Duration::ms(500));
  EXPECT_EQ(r.config.engine.keepalive_interval, Duration::s(3600));
  EXPECT_EQ(r.config.directory_file, "dir.toml");
}

// ---- One test per error class, each asserting the exact message. ----

TEST(ConfigError, FileCannotBeRead) {
  ConfigLoad r = load_config("/nonexistent/aind.toml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "/nonexistent/aind.toml: cannot read: No such file or directory");
}

TEST(ConfigError, TomlSyntax) {
  EXPECT_EQ(error_of("[node]\nid = 1\nid = 2\n"),
            "aind.toml:3: TOML syntax error: Error while parsing key-value pair: cannot redefine existing integer 'id'");
}

TEST(ConfigError, UnknownKey) {
  EXPECT_EQ(error_of(replace(base_config(), "id = 1\n", "id = 1\nonion_kye = 3\n")),
            "aind.toml:3: node.onion_kye: unknown key");
  EXPECT_EQ(error_of(base_config() + "[nodes]\n"), "aind.toml:21: nodes: unknown key");
  EXPECT_EQ(error_of(replace(base_config(), "ah_spi = 8194", "ah_spi = 8194\nah_keys = 1")),
            "aind.toml:20: pvt[0].in.ah_keys: unknown key");
}

TEST(ConfigError, MissingTableAndMissingKey) {
  EXPECT_EQ(error_of("[directory]\nfile = \"d\"\n"), "aind.toml:1: node: missing (required)");
  EXPECT_EQ(error_of(replace(base_config(), "id = 1\n", "")), "aind.toml:1: node.id: missing (required)");
  EXPECT_EQ(error_of(replace(base_config(), "onion_key = \"" + k64 + "\"\n", "")),
            "aind.toml:1: node.onion_key: missing (required; or give node.onion_key_file)");
  EXPECT_EQ(error_of(replace(base_config(), "[pvt.in]\n", "[pvt.inn]\n")),
            "aind.toml:16: pvt[0].inn: unknown key");
}

TEST(ConfigError, WrongType) {
  EXPECT_EQ(error_of(replace(base_config(), "id = 1", "id = \"1\"")),
            "aind.toml:2: node.id: expected an integer, got a string");
  EXPECT_EQ(error_of(replace(base_config(), "[[pvt]]", "[pvt]")),
            "aind.toml:8: pvt: expected [[pvt]] tables, got a table");
  EXPECT_EQ(error_of(base_config() + "[network]\nexit_pool = \"10.0.0.0/8\"\n"),
            "aind.toml:22: network.exit_pool: expected an array of prefixes, got a string");
}

TEST(ConfigError, IntegerOutOfRange) {
  EXPECT_EQ(error_of(replace(base_config(), "id = 1", "id = 0")),
            "aind.toml:2: node.id: expected 1..4294967295, got 0");
  EXPECT_EQ(error_of(base_config() + "[ant]\nroute_length = 10\n"),
            "aind.toml:22: ant.route_length: expected 2..9, got 10");
}

TEST(ConfigError, ReservedSpi) {
  EXPECT_EQ(error_of(replace(base_config(), "esp_spi = 4097", "esp_spi = 255")),
            "aind.toml:12: pvt[0].out.esp_spi: expected 256..4294967295, got 255");
}

TEST(ConfigError, KeyOfWrongLength) {
  // The example message of the design brief, to the character.
  std::string t = base_config() + pvt_block(3, 12288);
  t = replace(t, "esp_spi = 12289\nesp_key = \"" + k72, "esp_spi = 12289\nesp_key = \"" + k72.substr(0, 70));
  EXPECT_EQ(error_of(t), "aind.toml:31: pvt[1].in.esp_key: expected 72 hex characters (AES-256-GCM key + salt), got 70");
  EXPECT_EQ(error_of(replace(base_config(), "tvt_secret = \"" + k64, "tvt_secret = \"" + k64 + "00")),
            "aind.toml:10: pvt[0].tvt_secret: expected 64 hex characters (TVT key-derivation secret), got 66");
}

TEST(ConfigError, KeyNotHex) {
  EXPECT_EQ(error_of(replace(base_config(), "onion_key = \"1764", "onion_key = \"17g4")),
            "aind.toml:3: node.onion_key: expected hex characters, found 'g' at position 2");
}

TEST(ConfigError, KeyGivenTwice) {
  EXPECT_EQ(error_of(replace(base_config(), "id = 1\n", "id = 1\nonion_key_file = \"onion.key\"\n")),
            "aind.toml:3: node.onion_key_file: conflicts with node.onion_key (line 4); give one");
}

TEST(ConfigError, KeyFileUnreadableOrBad) {
  std::string t = replace(base_config(), "onion_key = \"" + k64 + "\"", "onion_key_file = \"missing.key\"");
  EXPECT_EQ(error_of(t),
            "aind.toml:3: node.onion_key_file: cannot read \"/etc/ainet/missing.key\": No such file or directory");
  char dir[] = "/tmp/ainet-cfg-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string key = std::string(dir) + "/onion.key";
  std::ofstream(key) << "abcd\n";
  chmod(key.c_str(), 0600);
  t = replace(base_config(), "onion_key = \"" + k64 + "\"", "onion_key_file = \"onion.key\"");
  ConfigLoad r = parse_config(t, "aind.toml", dir);
  EXPECT_EQ(r.error, "aind.toml:3: node.onion_key_file: \"" + key +
                         "\": expected 64 hex characters (X25519 private key), got 4");
  // A good key file (as `ainctl genkey` writes it, with a newline) loads.
  std::ofstream(key) << k64 << "\n";
  r = parse_config(t, "aind.toml", dir);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(to_hex(r.config.engine.onion_private.span()), k64);
  unlink(key.c_str());
  rmdir(dir);
}

TEST(ConfigError, BadAddressAndPrefix) {
  std::string cust =
      "[[customer]]\nid = 5\ntunnel_address = \"10.0.0.300\"\n";
  EXPECT_EQ(error_of(base_config() + cust),
            "aind.toml:23: customer[0].tunnel_address: expected an IPv4 or IPv6 address, got \"10.0.0.300\"");
  EXPECT_EQ(error_of(base_config() + "[network]\nexit_pool = [\"100.64.0.0/16\", \"fd00::/129\"]\n"),
            "aind.toml:22: network.exit_pool[1]: expected a prefix such as \"10.0.0.0/8\" or \"2001:db8::/32\", got \"fd00::/129\"");
  EXPECT_EQ(error_of(base_config() + "[network]\nexit_pool = [\"100.64.1.0/16\"]\n"),
            "aind.toml:22: network.exit_pool[0]: host bits are set in \"100.64.1.0/16\" (did you mean \"100.64.0.0/16\"?)");
}

TEST(ConfigError, BadEnumValue) {
  EXPECT_EQ(error_of(base_config() + "[network]\ncarrier = \"tcp\"\n"),
            "aind.toml:22: network.carrier: expected \"ip\" or \"udp\", got \"tcp\"");
  EXPECT_EQ(error_of(base_config() + "[log]\nlevel = \"verbose\"\n"),
            "aind.toml:22: log.level: expected \"trace\", \"debug\", \"info\", \"warn\", \"error\" or \"off\", got \"verbose\"");
}

TEST(ConfigError, BadDuration) {
  EXPECT_EQ(error_of(base_config() + "[ant]\nsetup_timeout = \"3 seconds\"\n"),
            "aind.toml:22: ant.setup_timeout: expected a duration such as 90, \"90s\", \"500ms\", \"2m\" or \"1h\", got \"3 seconds\"");
  EXPECT_EQ(error_of(base_config() + "[ant]\nkeepalive_interval = \"10ms\"\n"),
            "aind.toml:22: ant.keepalive_interval: must be at least 100 ms");
}

TEST(ConfigError, DuplicatePvtPeerOrSelf) {
  EXPECT_EQ(error_of(base_config() + pvt_block(2, 12288)),
            "aind.toml:22: pvt[1].peer: duplicate PVT to AIN 2 (also at line 9)");
  EXPECT_EQ(error_of(replace(base_config(), "peer = 2", "peer = 1")), "aind.toml:9: pvt[0].peer: is this node's own id");
}

TEST(ConfigError, InboundSpiCollision) {
  EXPECT_EQ(error_of(base_config() + pvt_block(3, 8192)),
            "aind.toml:30: pvt[1].in.esp_spi: inbound SPI 0x2001 is already used by pvt[0].in.esp_spi (line 17)");
}

TEST(ConfigError, DuplicateCustomerId) {
  const std::string keys =
      "[customer.out]\nesp_spi = 300\nesp_key = \"" + k72 + "\"\nah_spi = 301\nah_key = \"" + k64 + "\"\n"
      "[customer.in]\nesp_spi = 302\nesp_key = \"" + k72 + "\"\nah_spi = 303\nah_key = \"" + k64 + "\"\n";
  const std::string cust = "[[customer]]\nid = 5\ntunnel_address = \"192.0.2.1\"\n" + keys;
  std::string resp = "[[responder]]\nid = 5\ntunnel_address = \"192.0.2.2\"\nserves = [\"10.0.0.0/8\"]\n";
  EXPECT_EQ(error_of(base_config() + cust + resp),
            "aind.toml:35: responder[0].id: duplicate id 5 (also customer[0] at line 22)");
}

TEST(ConfigError, ServesOnlyOnResponders) {
  EXPECT_EQ(error_of(base_config() + "[[customer]]\nid = 5\ntunnel_address = \"192.0.2.1\"\nserves = [\"10.0.0.0/8\"]\n"),
            "aind.toml:24: customer[0].serves: only a [[responder]] serves prefixes");
  EXPECT_EQ(error_of(base_config() + "[[responder]]\nid = 5\ntunnel_address = \"192.0.2.1\"\nserves = []\n"),
            "aind.toml:24: responder[0].serves: a responder must serve at least one prefix");
  EXPECT_EQ(error_of(base_config() + "[[responder]]\nid = 5\ntunnel_address = \"192.0.2.1\"\n"),
            "aind.toml:21: responder[0].serves: missing (required)");
}

TEST(ConfigError, MissingKeyBundle) {
  std::string t = base_config();
  t = t.substr(0, t.find("[pvt.in]"));
  EXPECT_EQ(error_of(t), "aind.toml:8: pvt[0].in: missing (required)");
}

}  // namespace
}  // namespace ainet::daemon

namespace ainet::daemon {
namespace {

TEST(ConfigError, NonAsciiByte) {
  ConfigLoad r = parse_config("[node]\n# caf\xc3\xa9\nid = 1\n", "aind.toml", "");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "aind.toml:2: non-ASCII byte 0xc3 (the file must be ASCII)");
}

}  // namespace
}  // namespace ainet::daemon

namespace ainet::daemon {
namespace {

// [control] export_keys: off unless asked for; a non-boolean is refused with
// the line and field.
TEST(Config, ExportKeysIsOffByDefaultAndMustBeABoolean) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.config.export_keys);
  r = parse_config(base_config() + "[control]\nexport_keys = true\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.config.export_keys);
  EXPECT_EQ(error_of(base_config() + "[control]\nexport_keys = \"yes\"\n"),
            "aind.toml:22: control.export_keys: expected true or false, got a string");
}

// A [network] boolean: its default, the other value accepted, and a value
// of another type refused with the line and field.
void expect_network_boolean(const std::string& key, bool AindConfig::*field, bool want_default,
                            const std::string& bad_value, const std::string& bad_type) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.*field, want_default) << key;
  r = parse_config(base_config() + "[network]\n" + key + " = " + (want_default ? "false" : "true") + "\n",
                   "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.config.*field, want_default) << key;
  EXPECT_EQ(error_of(base_config() + "[network]\n" + key + " = " + bad_value + "\n"),
            "aind.toml:22: network." + key + ": expected true or false, got " + bad_type);
}

// [network] tun_offload (docs/tun-offload.md) and send_thread
// (docs/send-thread.md): booleans whose defaults were chosen by measurement.
TEST(Config, TunOffloadIsABoolean) {
  expect_network_boolean("tun_offload", &AindConfig::tun_offload, true, "1", "an integer");
}

TEST(Config, SendThreadIsABoolean) {
  expect_network_boolean("send_thread", &AindConfig::send_thread, false, "\"on\"", "a string");
}

// A key that names one of two algorithms: the default without the key,
// either name on request, anything else refused with the line and field.
template <typename Get>
void expect_one_of_two(const std::string& section, const std::string& key, const char* first,
                       const char* second, Get get) {
  using Value = decltype(get(AindConfig{}));
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const Value dflt = get(r.config);
  Value seen[2];
  int i = 0;
  for (const char* name : {first, second}) {
    r = parse_config(base_config() + "[" + section + "]\n" + key + " = \"" + name + "\"\n",
                     "aind.toml", "/etc/ainet");
    ASSERT_TRUE(r.ok) << r.error;
    seen[i++] = get(r.config);
  }
  EXPECT_EQ(seen[0], dflt) << "the first name is the default";
  EXPECT_NE(seen[1], seen[0]);
  EXPECT_EQ(error_of(base_config() + "[" + section + "]\n" + key + " = \"sha1\"\n"),
            "aind.toml:22: " + section + "." + key + ": expected \"" + first + "\" or \"" +
                second + "\", got \"sha1\"");
}

// [network] tvt_integrity (docs/protocol.md "TVT data cell"): AES-256-GMAC
// by default, HMAC-SHA-256-128 on request.
TEST(Config, TvtIntegrityNamesOneOfTwoMacs) {
  expect_one_of_two("network", "tvt_integrity", "aes-gmac-256", "hmac-sha256-128",
                    [](const AindConfig& c) { return c.engine.tvt_integrity; });
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  EXPECT_EQ(r.config.engine.tvt_integrity, core::TvtIntegrity::aes256_gmac);
}

// [ant] e2e_aead (core/e2e_aead.h): the cells' end-to-end AEAD, AES-256-GCM
// by default, ChaCha20-Poly1305 on request.
TEST(Config, E2eAeadNamesOneOfTwoAeads) {
  expect_one_of_two("ant", "e2e_aead", "aes-256-gcm", "chacha20-poly1305",
                    [](const AindConfig& c) { return c.engine.e2e_aead; });
  ConfigLoad r = parse_config(base_config() + "[ant]\ne2e_aead = \"chacha20-poly1305\"\n",
                              "aind.toml", "/etc/ainet");
  EXPECT_EQ(r.config.engine.e2e_aead, core::E2eAead::chacha20_poly1305);
}

// [ant] replay_window (core/engine_api.h tvt_replay_window): each TVT SA's
// anti-replay window, 64 packets by default (RFC 4303 §3.4.3), a multiple of
// 64 up to 65536, refused with the line and field otherwise.
TEST(Config, TvtReplayWindowIsWholeWords) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.engine.tvt_replay_window, 64u);
  r = parse_config(base_config() + "[ant]\nreplay_window = 1024\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.engine.tvt_replay_window, 1024u);
  EXPECT_EQ(error_of(base_config() + "[ant]\nreplay_window = 100\n"),
            "aind.toml:22: ant.replay_window: expected a multiple of 64, got 100");
  EXPECT_EQ(error_of(base_config() + "[ant]\nreplay_window = 32\n"),
            "aind.toml:22: ant.replay_window: expected 64..65536, got 32");
}

// [network] busy_poll_us (io/event_loop.h set_busy_poll): microseconds,
// 0 (off, the default) .. 1000, refused with the line and field otherwise.
TEST(Config, BusyPollIsBoundedMicroseconds) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.busy_poll_us, 0);
  r = parse_config(base_config() + "[network]\nbusy_poll_us = 50\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.busy_poll_us, 50);
  EXPECT_EQ(error_of(base_config() + "[network]\nbusy_poll_us = 1001\n"),
            "aind.toml:22: network.busy_poll_us: expected 0..1000, got 1001");
  EXPECT_EQ(error_of(base_config() + "[network]\nbusy_poll_us = -1\n"),
            "aind.toml:22: network.busy_poll_us: expected 0..1000, got -1");
  EXPECT_EQ(error_of(base_config() + "[network]\nbusy_poll_us = \"50us\"\n"),
            "aind.toml:22: network.busy_poll_us: expected an integer, got a string");
}

// [network] cpu_latency_us (io/cpu_latency_qos.h): -1 (no request, the
// default), or 0 .. 10000 microseconds; refused with the line and field.
TEST(Config, CpuLatencyIsOffByDefaultAndBounded) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.cpu_latency_us, -1);
  r = parse_config(base_config() + "[network]\ncpu_latency_us = 0\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.cpu_latency_us, 0);
  r = parse_config(base_config() + "[network]\ncpu_latency_us = 10000\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.cpu_latency_us, 10000);
  EXPECT_EQ(error_of(base_config() + "[network]\ncpu_latency_us = 10001\n"),
            "aind.toml:22: network.cpu_latency_us: expected -1..10000, got 10001");
  EXPECT_EQ(error_of(base_config() + "[network]\ncpu_latency_us = -2\n"),
            "aind.toml:22: network.cpu_latency_us: expected -1..10000, got -2");
  EXPECT_EQ(error_of(base_config() + "[network]\ncpu_latency_us = true\n"),
            "aind.toml:22: network.cpu_latency_us: expected an integer, got a boolean");
}

// Secrets out of the main file: every key of aind.toml may come from a key
// file (*_file), which must be chmod 600; group/other access, a directory, a
// missing file and a wrong length are each one file:line: field message.
class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(mkdtemp(dir_), nullptr); }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir((std::string(dir_) + "/sub").c_str());
    rmdir(dir_);
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = std::string(dir_) + "/" + name;
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    files_.push_back(path);
    return path;
  }
  ConfigLoad load(const std::string& text) { return parse_config(text, "aind.toml", dir_); }
  char dir_[32] = "/tmp/ainet-keys-XXXXXX";
  std::vector<std::string> files_;
};

TEST_F(KeyFiles, EveryKeyOfAPvtCanComeFromAFile) {
  write("tvt.key", k64 + "\n", 0600);
  write("esp.key", k72 + "\n", 0600);
  write("ah.key", "  " + k64 + "  \n", 0400);  // read-only for the owner is fine too; whitespace is trimmed
  std::string t = replace(base_config(), "tvt_secret = \"" + k64 + "\"", "tvt_secret_file = \"tvt.key\"");
  t = replace(t, "esp_key = \"" + k72 + "\"", "esp_key_file = \"esp.key\"");
  t = replace(t, "ah_key = \"" + k64 + "\"", "ah_key_file = \"" + std::string(dir_) + "/ah.key\"");
  ConfigLoad r = load(t);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.config.engine.pvts.size(), 1u);
  EXPECT_EQ(to_hex(r.config.engine.pvts[0].tvt_secret), k64);
  EXPECT_EQ(to_hex(r.config.engine.pvts[0].out.esp_key), k72);
  EXPECT_EQ(to_hex(r.config.engine.pvts[0].out.ah_key), k64);
}

TEST_F(KeyFiles, AKeyFileOthersCanReadIsRefusedWithFileLineAndField) {
  const std::string key = write("onion.key", k64 + "\n", 0644);
  const std::string t = replace(base_config(), "onion_key = \"" + k64 + "\"", "onion_key_file = \"onion.key\"");
  EXPECT_EQ(load(t).error, "aind.toml:3: node.onion_key_file: \"" + key +
                               "\" is readable by group or others (mode 0644): chmod 600 it");
  chmod(key.c_str(), 0640);
  EXPECT_EQ(load(t).error, "aind.toml:3: node.onion_key_file: \"" + key +
                               "\" is readable by group or others (mode 0640): chmod 600 it");
  chmod(key.c_str(), 0602);  // writable by others: someone could swap the key
  EXPECT_EQ(load(t).error, "aind.toml:3: node.onion_key_file: \"" + key +
                               "\" is accessible by group or others (mode 0602): chmod 600 it");
  chmod(key.c_str(), 0600);
  EXPECT_TRUE(load(t).ok);
  // The same rule for a bundle key, with its own line and field.
  write("esp.key", k72, 0604);
  const std::string u = replace(base_config(), "esp_key = \"" + k72 + "\"", "esp_key_file = \"esp.key\"");
  EXPECT_EQ(load(u).error, "aind.toml:13: pvt[0].out.esp_key_file: \"" + std::string(dir_) +
                               "/esp.key\" is readable by group or others (mode 0604): chmod 600 it");
}

TEST_F(KeyFiles, DirectoriesWrongLengthsAndBothFormsAreRefused) {
  ASSERT_EQ(mkdir((std::string(dir_) + "/sub").c_str(), 0700), 0);
  std::string t = replace(base_config(), "tvt_secret = \"" + k64 + "\"", "tvt_secret_file = \"sub\"");
  EXPECT_EQ(load(t).error, "aind.toml:10: pvt[0].tvt_secret_file: \"" + std::string(dir_) + "/sub\" is not a regular file");
  write("short.key", k64.substr(2), 0600);
  t = replace(base_config(), "ah_key = \"" + k64 + "\"", "ah_key_file = \"short.key\"");
  EXPECT_EQ(load(t).error, "aind.toml:15: pvt[0].out.ah_key_file: \"" + std::string(dir_) +
                               "/short.key\": expected 64 hex characters (HMAC-SHA-256 key), got 62");
  t = replace(base_config(), "ah_key = \"" + k64 + "\"", "ah_key = \"" + k64 + "\"\nah_key_file = \"x.key\"");
  EXPECT_EQ(load(t).error, "aind.toml:16: pvt[0].out.ah_key_file: conflicts with pvt[0].out.ah_key (line 15); give one");
  t = replace(base_config(), "ah_key = \"" + k64 + "\"\n", "");
  EXPECT_EQ(load(t).error, "aind.toml:11: pvt[0].out.ah_key: missing (required; or give pvt[0].out.ah_key_file)");
  write("big.key", std::string(5000, 'a'), 0600);
  t = replace(base_config(), "tvt_secret = \"" + k64 + "\"", "tvt_secret_file = \"big.key\"");
  EXPECT_EQ(load(t).error, "aind.toml:10: pvt[0].tvt_secret_file: \"" + std::string(dir_) +
                               "/big.key\" is 5000 bytes; a key file holds one hex key");
}

// [metrics] listen: off by default; an address and port, v4 or [v6].
TEST(Config, MetricsListenIsOffByDefaultAndParsed) {
  ConfigLoad r = parse_config(base_config(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.config.metrics_listen.has_value());
  r = parse_config(base_config() + "[metrics]\nlisten = \"127.0.0.1:9548\"\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(r.config.metrics_listen.has_value());
  EXPECT_EQ(r.config.metrics_listen->to_string(), "127.0.0.1:9548");
  r = parse_config(base_config() + "[metrics]\nlisten = \"[::1]:9548\"\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.metrics_listen->to_string(), "[::1]:9548");
  for (const char* bad : {"127.0.0.1", "localhost:9548", "::1:9548", "127.0.0.1:0", "127.0.0.1:70000", "1.2.3.4:x"}) {
    const std::string e = error_of(base_config() + "[metrics]\nlisten = \"" + bad + "\"\n");
    EXPECT_EQ(e.rfind("aind.toml:22: metrics.listen: ", 0), 0u) << e;
  }
  EXPECT_EQ(error_of(base_config() + "[metrics]\nport = 9548\n"), "aind.toml:22: metrics.port: unknown key");
}

TEST(Config, ProcessUser) {
  ConfigLoad r = parse_config(base_config() + "[process]\nuser = \"ainet\"\n", "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.run_as_user, "ainet");
  EXPECT_EQ(error_of(base_config() + "[process]\nuser = \"\"\n"),
            "aind.toml:22: process.user: expected a user name, got \"\"");
}

}  // namespace
}  // namespace ainet::daemon
