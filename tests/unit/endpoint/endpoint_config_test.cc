// endpoint.toml loader: accepts exactly what tests/e2e/gen_configs.py writes,
// and every refusal names file, line and field.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "endpoint/endpoint_config.h"

namespace ainet::endpoint {
namespace {

// The shape gen_configs.py writes (keys made up for the test).
const std::string kGood = R"(# customer endpoint (initiator)
[endpoint]
name = "initiator"
role = "initiator"
anonymity_option = 1
ain_address = "10.200.0.1"
tunnel_address = "10.200.1.1"
carrier = "ip"
udp_port = 4500
tun_name = "ainc0"
tun_mtu = 1365
inner_addresses = ["10.99.193.228", "fd00:99::25de:594a:c18:6ddc"]
routes = ["10.200.4.0/24", "fd00:200:0:4::/64"]

[control]
socket = "/tmp/endpoint.sock"

  [endpoint.out]
  esp_spi = 0x00640101
  esp_key = "16f3b675aa587eae39567696ec663c10867226169d26efa2d953b1786cd36991d9d7e90a"
  ah_spi = 0x00640102
  ah_key = "e6f42c0fe7f72da0caa6469f022d24ac7d1f61bca7622da2f45376991e212947"
  [endpoint.in]
  esp_spi = 0x00016401
  esp_key = "147fa7e94ac67f1a4f0164fa1eccb83802bc74079b84f0e36d48adbc1bf78b6f10f40959"
  ah_spi = 0x00016402
  ah_key = "2308c6766171c7168f2de498ce758e537f639c0be5ed89b195618ade72ecb80a"
)";

// kGood with the first occurrence of `from` replaced by `to`.
std::string edit(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string error_of(const std::string& text) {
  auto r = parse_endpoint_config(text, "endpoint.toml");
  EXPECT_FALSE(r.ok) << "accepted:\n" << text;
  return r.error;
}

TEST(EndpointConfig, ReadsTheGeneratedFormat) {
  auto r = parse_endpoint_config(kGood, "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const EndpointConfig& c = r.config;
  EXPECT_EQ(c.name, "initiator");
  EXPECT_EQ(c.role, Role::initiator);
  EXPECT_EQ(c.anonymity_option, 1);
  EXPECT_EQ(c.ain_address.to_string(), "10.200.0.1");
  EXPECT_EQ(c.tunnel_address.to_string(), "10.200.1.1");
  EXPECT_EQ(c.carrier, core::Carrier::ip);
  EXPECT_EQ(c.udp_port, 4500);
  EXPECT_EQ(c.tun_name, "ainc0");
  EXPECT_EQ(c.tun_mtu, 1365);
  ASSERT_EQ(c.inner_addresses.size(), 2u);
  EXPECT_TRUE(c.inner_addresses[0].is_v4());
  EXPECT_TRUE(c.inner_addresses[1].is_v6());
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[1].to_string(), "fd00:200:0:4::/64");
  EXPECT_EQ(c.out.esp_spi, 0x00640101u);
  EXPECT_EQ(c.out.ah_spi, 0x00640102u);
  EXPECT_EQ(c.in.esp_spi, 0x00016401u);
  EXPECT_EQ(c.out.esp_key.size(), 36u);
  EXPECT_EQ(c.in.ah_key.size(), 32u);
  EXPECT_EQ(c.in.ah_key[0], 0x23);
  EXPECT_EQ(c.control_socket, "/tmp/endpoint.sock");
}

TEST(EndpointConfig, ReadsUdpCarrierAndOption2) {
  std::string s = edit("carrier = \"ip\"", "carrier = \"udp\"");
  s.replace(s.find("anonymity_option = 1"), 20, "anonymity_option = 2");
  auto r = parse_endpoint_config(s, "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.carrier, core::Carrier::udp);
  EXPECT_EQ(r.config.anonymity_option, 2);
}

TEST(EndpointConfig, RefusesUnknownKeysWithFileLineAndField) {
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\ntun_mut = 1")), "endpoint.toml:12: endpoint.tun_mut: unknown key");
  EXPECT_EQ(error_of(edit("  ah_spi = 0x00016402", "  ah_spi = 0x00016402\n  extra = 1")),
            "endpoint.toml:27: endpoint.in.extra: unknown key");
  EXPECT_EQ(error_of(edit("[control]", "[controls]")), "endpoint.toml:15: controls: unknown key");
  EXPECT_EQ(error_of(edit("socket = ", "path = ")), "endpoint.toml:16: control.path: unknown key");
}

TEST(EndpointConfig, TunOffloadIsABoolean) {
  auto d = parse_endpoint_config(kGood, "endpoint.toml");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_TRUE(d.config.tun_offload);  // the default (docs/tun-offload.md: measured)
  auto r = parse_endpoint_config(edit("tun_mtu = 1365", "tun_mtu = 1365\ntun_offload = true"),
                                 "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.config.tun_offload);
  r = parse_endpoint_config(edit("tun_mtu = 1365", "tun_mtu = 1365\ntun_offload = false"),
                            "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.config.tun_offload);
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\ntun_offload = \"on\"")),
            "endpoint.toml:12: endpoint.tun_offload: expected true or false, got a string");
}

// endpoint.busy_poll_us (io/event_loop.h set_busy_poll): 0 (off, the
// default) .. 1000 microseconds.
TEST(EndpointConfig, BusyPollIsBoundedMicroseconds) {
  auto d = parse_endpoint_config(kGood, "endpoint.toml");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.config.busy_poll_us, 0);
  auto r = parse_endpoint_config(edit("tun_mtu = 1365", "tun_mtu = 1365\nbusy_poll_us = 50"), "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.busy_poll_us, 50);
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\nbusy_poll_us = 2000")),
            "endpoint.toml:12: endpoint.busy_poll_us: expected 0..1000, got 2000");
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\nbusy_poll_us = true")),
            "endpoint.toml:12: endpoint.busy_poll_us: expected an integer, got a boolean");
}

// endpoint.cpu_latency_us (io/cpu_latency_qos.h): -1 (no request, the
// default), or 0 .. 10000 microseconds.
TEST(EndpointConfig, CpuLatencyIsOffByDefaultAndBounded) {
  auto d = parse_endpoint_config(kGood, "endpoint.toml");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.config.cpu_latency_us, -1);
  auto r = parse_endpoint_config(edit("tun_mtu = 1365", "tun_mtu = 1365\ncpu_latency_us = 0"), "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.cpu_latency_us, 0);
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\ncpu_latency_us = 20000")),
            "endpoint.toml:12: endpoint.cpu_latency_us: expected -1..10000, got 20000");
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\ncpu_latency_us = \"0\"")),
            "endpoint.toml:12: endpoint.cpu_latency_us: expected an integer, got a string");
}

TEST(EndpointConfig, RefusesBadValuesNamingTheField) {
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 70")), "endpoint.toml:11: endpoint.tun_mtu: expected 576..9000, got 70");
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1000")),
            "endpoint.toml:12: endpoint.inner_addresses[1]: IPv6 needs a tun_mtu of at least 1280 (RFC 8200 §5), got 1000");
  EXPECT_EQ(error_of(edit("carrier = \"ip\"", "carrier = \"tcp\"")),
            "endpoint.toml:8: endpoint.carrier: expected \"ip\" or \"udp\", got \"tcp\"");
  EXPECT_EQ(error_of(edit("anonymity_option = 1", "anonymity_option = 3")),
            "endpoint.toml:5: endpoint.anonymity_option: expected 1..2, got 3");
  EXPECT_EQ(error_of(edit("role = \"initiator\"", "role = \"exit\"")),
            "endpoint.toml:4: endpoint.role: expected \"initiator\" or \"responder\", got \"exit\"");
  EXPECT_EQ(error_of(edit("\"10.200.0.1\"", "\"10.200.0\"")),
            "endpoint.toml:6: endpoint.ain_address: expected an IPv4 or IPv6 address, got \"10.200.0\"");
  EXPECT_EQ(error_of(edit("\"10.200.1.1\"", "\"fd00::1\"")),
            "endpoint.toml:7: endpoint.tunnel_address: must be of the same family as endpoint.ain_address (10.200.0.1)");
  EXPECT_EQ(error_of(edit("\"10.200.4.0/24\"", "\"10.200.4.1/24\"")),
            "endpoint.toml:13: endpoint.routes[0]: host bits are set in \"10.200.4.1/24\" (did you mean \"10.200.4.0/24\"?)");
  EXPECT_EQ(error_of(edit("routes = [\"10.200.4.0/24\", \"fd00:200:0:4::/64\"]", "routes = []")),
            "endpoint.toml:13: endpoint.routes: empty (give at least one)");
  EXPECT_EQ(error_of(edit("inner_addresses = [\"10.99.193.228\"", "inner_addresses = [42")),
            "endpoint.toml:12: endpoint.inner_addresses[0]: expected a string, got an integer");
  EXPECT_EQ(error_of(edit("tun_name = \"ainc0\"", "tun_name = \"a-name-far-too-long\"")),
            "endpoint.toml:10: endpoint.tun_name: expected an interface name of 1..15 characters without '/' or "
            "spaces, got \"a-name-far-too-long\"");
}

TEST(EndpointConfig, RefusesBadKeysAndSpis) {
  EXPECT_EQ(error_of(edit("esp_key = \"16f3", "esp_key = \"16")),
            "endpoint.toml:20: endpoint.out.esp_key: expected 72 hex characters (AES-256-GCM key + salt, RFC 4106 §8.1), got 70");
  EXPECT_EQ(error_of(edit("ah_key = \"e6f4", "ah_key = \"x6f4")),
            "endpoint.toml:22: endpoint.out.ah_key: expected hex characters, found 'x' at position 0");
  EXPECT_EQ(error_of(edit("esp_spi = 0x00640101", "esp_spi = 255")),
            "endpoint.toml:19: endpoint.out.esp_spi: expected 256..4294967295, got 255");
  EXPECT_EQ(error_of(edit("  ah_spi = 0x00016402", "  ah_spi = 0x00016401")),
            "endpoint.toml:26: endpoint.in.ah_spi: equals endpoint.in.esp_spi");
}

TEST(EndpointConfig, RefusesMissingAndSyntax) {
  EXPECT_EQ(error_of(edit("ain_address = \"10.200.0.1\"\n", "")), "endpoint.toml:2: endpoint.ain_address: missing (required)");
  EXPECT_EQ(error_of("[control]\nsocket = \"x\"\n"), "endpoint.toml:1: endpoint: missing (required)");
  EXPECT_NE(error_of(edit("tun_mtu = 1365", "tun_mtu = ")).find("endpoint.toml:11: TOML syntax error"), std::string::npos);
  EXPECT_EQ(error_of(edit("name = \"initiator\"", "name = \"initi\xc3\xa4tor\"")),
            "endpoint.toml:3: non-ASCII byte 0xc3 (the file must be ASCII)");
}

TEST(EndpointConfig, LoadNamesAnUnreadableFile) {
  auto r = load_endpoint_config("/nonexistent/endpoint.toml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("/nonexistent/endpoint.toml: cannot read:", 0), 0u) << r.error;
}

// Issue 11: flow_idle_timeout, key files (chmod 600, file:line refusals),
// [metrics] listen and [process] user.
TEST(EndpointConfig, FlowIdleTimeoutMetricsAndUser) {
  auto r = parse_endpoint_config(kGood, "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.flow_idle_timeout.ns, Duration::s(120).ns);
  EXPECT_FALSE(r.config.metrics_listen.has_value());
  EXPECT_EQ(r.config.run_as_user, "");
  r = parse_endpoint_config(edit("tun_mtu = 1365", "tun_mtu = 1365\nflow_idle_timeout = \"30s\"") +
                                "[metrics]\nlisten = \"[::1]:9549\"\n[process]\nuser = \"nobody\"\n",
                            "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.config.flow_idle_timeout.ns, Duration::s(30).ns);
  ASSERT_TRUE(r.config.metrics_listen.has_value());
  EXPECT_EQ(r.config.metrics_listen->to_string(), "[::1]:9549");
  EXPECT_EQ(r.config.run_as_user, "nobody");
  EXPECT_EQ(error_of(edit("tun_mtu = 1365", "tun_mtu = 1365\nflow_idle_timeout = \"500ms\"")),
            "endpoint.toml:12: endpoint.flow_idle_timeout: must be at least 1000 ms");
  const std::string e = error_of(kGood + "[metrics]\nlisten = \"9549\"\n");
  EXPECT_EQ(e.rfind("endpoint.toml:29: metrics.listen: expected", 0), 0u) << e;
}

TEST(EndpointConfig, KeysFromKeyFilesOnlyWhenPrivate) {
  char dir[] = "/tmp/ainet-ep-keys-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/out.esp";
  const std::string k72 = "16f3b675aa587eae39567696ec663c10867226169d26efa2d953b1786cd36991d9d7e90a";
  std::ofstream(path) << k72 << "\n";
  chmod(path.c_str(), 0600);
  const std::string text = edit("  esp_key = \"" + k72 + "\"", "  esp_key_file = \"out.esp\"");
  auto r = parse_endpoint_config(text, "endpoint.toml", dir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(to_hex(r.config.out.esp_key), k72);
  chmod(path.c_str(), 0640);
  r = parse_endpoint_config(text, "endpoint.toml", dir);
  EXPECT_EQ(r.error, "endpoint.toml:20: endpoint.out.esp_key_file: \"" + path +
                         "\" is readable by group or others (mode 0640): chmod 600 it");
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace ainet::endpoint

namespace ainet::endpoint {
namespace {

// ---- [endpoint.ike] (docs/ike.md "ain-endpoint over IKEv2") ----------------

// The shape gen_configs.py --ike-endpoints writes for the initiator.
const std::string kIke = R"([endpoint]
name = "initiator"
role = "initiator"
anonymity_option = 1
ain_address = "10.200.0.1"
tunnel_address = "10.200.1.1"
carrier = "udp"
udp_port = 4500
tun_mtu = 1365
routes = ["10.200.4.0/24"]

[endpoint.ike]
local_id = "initiator@ainet.test"
remote_id = "ain1.ainet.test"
auth = "psk"
psk = "0123456789abcdef-secret"
child_rekey = "20m"
)";

std::string ike_edit(const std::string& from, const std::string& to) {
  std::string s = kIke;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(EndpointConfig, IkeInitiatorAsksForItsInnerAddress) {
  auto r = parse_endpoint_config(kIke, "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const EndpointIke& x = r.config.ike;
  EXPECT_TRUE(x.enabled);
  EXPECT_EQ(x.port, 500);
  ASSERT_EQ(x.engine.peers.size(), 1u);
  const ike::PeerConfig& p = x.engine.peers[0];
  EXPECT_EQ(p.name, kIkePeer);
  EXPECT_EQ(p.remote.addr.to_string(), "10.200.0.1");
  EXPECT_EQ(p.remote.port, 500);
  EXPECT_EQ(p.local.addr.to_string(), "10.200.1.1");
  EXPECT_EQ(p.local_id, ike::Identity::rfc822("initiator@ainet.test"));
  EXPECT_EQ(p.remote_id, ike::Identity::fqdn("ain1.ainet.test"));
  EXPECT_EQ(p.local_auth.kind, ike::AuthKind::psk);
  EXPECT_EQ(std::string(p.local_auth.psk.begin(), p.local_auth.psk.end()), "0123456789abcdef-secret");
  EXPECT_EQ(p.remote_auth.psk, p.local_auth.psk);
  EXPECT_TRUE(p.request_address);  // CP, RFC 7296 §3.15
  EXPECT_FALSE(p.assign_address);
  ASSERT_EQ(p.remote_ts.size(), 1u);
  EXPECT_EQ(p.remote_ts[0], ike::TrafficSelector::from_prefix(*wire::IpPrefix::parse("10.200.4.0/24")));
  EXPECT_EQ(x.engine.lifetimes.child_soft.ns, Duration::s(1200).ns);
  EXPECT_TRUE(r.config.inner_addresses.empty());
}

TEST(EndpointConfig, IkeResponderProposesItsOwnAddresses) {
  std::string s = ike_edit("role = \"initiator\"", "role = \"responder\"");
  s.replace(s.find("routes = "), 0, "inner_addresses = [\"10.200.4.2\"]\n");
  auto r = parse_endpoint_config(s, "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const ike::PeerConfig& p = r.config.ike.engine.peers.at(0);
  EXPECT_FALSE(p.request_address);
  ASSERT_EQ(p.local_ts.size(), 1u);
  EXPECT_EQ(p.local_ts[0], ike::TrafficSelector::host(*wire::IpAddress::parse("10.200.4.2")));
}

TEST(EndpointConfig, IkeEd25519ReadsBothKeys) {
  const std::string seed = "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50";
  auto r = parse_endpoint_config(
      ike_edit("auth = \"psk\"\npsk = \"0123456789abcdef-secret\"",
               "auth = \"ed25519\"\nprivate_key = \"" + seed + "\"\nain_public_key = \"" + seed + "\""),
      "endpoint.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const ike::PeerConfig& p = r.config.ike.engine.peers.at(0);
  EXPECT_EQ(p.local_auth.kind, ike::AuthKind::ed25519);
  EXPECT_EQ(p.remote_auth.ed25519[0], 0x17);
}

TEST(EndpointConfig, IkeMistakesNameFileLineAndField) {
  EXPECT_EQ(error_of(ike_edit("carrier = \"udp\"", "carrier = \"ip\"")),
            "endpoint.toml:7: endpoint.carrier: endpoint.ike needs carrier = \"udp\" (the child SA is "
            "UDP-encapsulated ESP, RFC 3948)");
  EXPECT_EQ(error_of(ike_edit("udp_port = 4500", "udp_port = 4501")),
            "endpoint.toml:8: endpoint.udp_port: endpoint.ike needs udp_port = 4500 (IKE and ESP float "
            "there, RFC 7296 §2.23), got 4501");
  EXPECT_EQ(error_of(ike_edit("auth = \"psk\"", "auth = \"rsa\"")),
            "endpoint.toml:15: endpoint.ike.auth: expected \"psk\" or \"ed25519\", got \"rsa\"");
  EXPECT_EQ(error_of(ike_edit("psk = \"0123456789abcdef-secret\"", "psk = \"short\"")),
            "endpoint.toml:16: endpoint.ike.psk: a pre-shared key of 5 characters is guessable; use at "
            "least 16");
  EXPECT_EQ(error_of(ike_edit("local_id = \"initiator@ainet.test\"\n", "")),
            "endpoint.toml:12: endpoint.ike.local_id: missing (required)");
  EXPECT_EQ(error_of(ike_edit("routes = ", "inner_addresses = [\"10.99.0.1\"]\nroutes = ")),
            "endpoint.toml:10: endpoint.inner_addresses: not with endpoint.ike on an initiator: the AIN "
            "assigns the inner address (CP)");
  EXPECT_EQ(error_of(ike_edit("child_rekey = \"20m\"", "child_rekey = \"20m\"\nesp_key = \"00\"")),
            "endpoint.toml:18: endpoint.ike.esp_key: unknown key");
  EXPECT_EQ(error_of(ike_edit("[endpoint.ike]", "[endpoint.out]\nesp_spi = 300\n[endpoint.ike]")),
            "endpoint.toml:12: endpoint.out: not with endpoint.ike (IKEv2 negotiates the keys)");
  EXPECT_EQ(error_of(ike_edit("psk = \"0123456789abcdef-secret\"",
                              "psk = \"0123456789abcdef-secret\"\nain_public_key = \"00\"")),
            "endpoint.toml:17: endpoint.ike.ain_public_key: only for auth = \"ed25519\"");
}

}  // namespace
}  // namespace ainet::endpoint
