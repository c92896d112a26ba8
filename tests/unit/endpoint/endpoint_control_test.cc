// The endpoint's control commands (docs/control.md "ain-endpoint"): request
// lines in, response lines out; the status built from a real datapath and
// flow table; and the socket end to end through daemon::ControlServer
// (stale socket file replaced, file removed when the server goes).
#include "endpoint/endpoint_control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/control_commands.h"
#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "daemon/control_client.h"
#include "daemon/control_protocol.h"
#include "daemon/control_server.h"
#include "io/event_loop.h"
#include "wire/constants.h"
#include "wire/ipv4.h"

namespace ainet::endpoint {
namespace {

using nlohmann::json;

EndpointConfig config(core::Carrier carrier) {
  EndpointConfig c;
  c.name = "alice";
  c.role = Role::initiator;
  c.anonymity_option = 1;
  c.carrier = carrier;
  c.ain_address = *wire::IpAddress::parse("10.200.0.1");
  c.tunnel_address = *wire::IpAddress::parse("10.200.1.1");
  c.tun_name = "ainc0";
  c.tun_mtu = 1365;
  c.inner_addresses = {*wire::IpAddress::parse("10.99.0.7")};
  c.routes = {*wire::IpPrefix::parse("10.200.4.0/24")};
  c.out = core::BundleKeys{0x640101, Bytes(36, 0x11), 0x640102, Bytes(32, 0x22)};
  c.in = core::BundleKeys{0x16401, Bytes(36, 0x33), 0x16402, Bytes(32, 0x44)};
  return c;
}

// An inner IPv4 datagram of `len` bytes.
Bytes inner_packet(const char* src, const char* dst, uint16_t len) {
  Bytes p(len, 0);
  wire::Ipv4Header h;
  h.total_len = len;
  h.ttl = 64;
  h.protocol = wire::kProtoUdp;
  h.src = *wire::IpAddress::parse(src);
  h.dst = *wire::IpAddress::parse(dst);
  ByteWriter w{MutByteSpan(p)};
  EXPECT_TRUE(ok(wire::write_ipv4_header(w, h)));
  return p;
}

// A handler with a fixed status, counting calls.
class FixedHandler : public EndpointControlHandler {
 public:
  EndpointStatus status() override {
    ++calls;
    EndpointStatus s;
    s.name = "alice";
    s.role = "initiator";
    s.carrier = "udp";
    s.esp_spi_out = 0x640101;
    s.packets_out = 3;
    s.drops = {{"tun_io", 0}, {"open_replay", 2}};
    s.flows = {{"10.99.0.7", "10.200.4.2", 3, 180, 1, 60}};
    s.flows_overflow = 4;
    s.cpu_latency_us = cpu_latency_us;
    return s;
  }
  int calls = 0;
  std::optional<int> cpu_latency_us;
};

json reply(EndpointControlHandler& h, std::string_view line) {
  const std::string out = dispatch_endpoint_control_line(h, line);
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;  // one line
  json r = json::parse(out, nullptr, false);
  EXPECT_TRUE(r.is_object()) << out;
  return r;
}

TEST(EndpointControl, VersionNamesTheProtocolAndTheEndpoint) {
  FixedHandler h;
  json r = reply(h, R"({"id": 5, "cmd": "version"})");
  EXPECT_EQ(r["id"], 5);
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["result"]["protocol"], daemon::kControlProtocolVersion);
  EXPECT_EQ(r["result"]["ain-endpoint"], kEndpointVersion);
  EXPECT_EQ(h.calls, 0);
}

TEST(EndpointControl, StatusAndListFlowsCarryTheHandlersState) {
  FixedHandler h;
  json r = reply(h, R"({"id": "a", "cmd": "status", "args": {}})");
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["id"], "a");
  const json s = r["result"];  // a copy: r is reused below
  EXPECT_EQ(s["kind"], "endpoint");
  EXPECT_EQ(s["name"], "alice");
  EXPECT_EQ(s["role"], "initiator");
  EXPECT_EQ(s["esp_spi_out"], 0x640101);
  EXPECT_TRUE(s["ah_spi_out"].is_null());
  EXPECT_EQ(s["packets_out"], 3);
  EXPECT_EQ(s["drops"], (json{{"tun_io", 0}, {"open_replay", 2}}));
  ASSERT_EQ(s["flows"].size(), 1u);
  EXPECT_EQ(s["flows"][0], (json{{"src", "10.99.0.7"},
                                 {"dst", "10.200.4.2"},
                                 {"packets_out", 3},
                                 {"bytes_out", 180},
                                 {"packets_in", 1},
                                 {"bytes_in", 60}}));
  EXPECT_EQ(s["flows_overflow"], 4);
  EXPECT_TRUE(s["cpu_latency_us"].is_null());  // no PM QoS request held

  r = reply(h, R"({"cmd": "list_flows"})");
  ASSERT_EQ(r["ok"], true);
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_EQ(r["result"]["flows"], s["flows"]);
  EXPECT_EQ(r["result"]["flows_overflow"], 4);
  EXPECT_EQ(h.calls, 2);
}

TEST(EndpointControl, BadRequestsAreRefusedWithTheDocumentedCodes) {
  FixedHandler h;
  struct Case {
    const char* line;
    const char* code;
    json id;
  };
  const Case cases[] = {
      {"not json", "bad_request", nullptr},
      {"[1, 2]", "bad_request", nullptr},
      {R"({"id": 1})", "bad_request", 1},
      {R"({"id": 2, "cmd": 7})", "bad_request", 2},
      {R"({"id": 3, "cmd": "status", "args": [1]})", "bad_request", 3},
      {R"({"id": 4, "cmd": "statuz"})", "unknown_command", 4},
      // aind's commands are not the endpoint's.
      {R"({"id": 5, "cmd": "list_pvts"})", "unknown_command", 5},
      {R"({"id": 6, "cmd": "create_ant", "args": {"customer": 1, "src": "10.0.0.1", "dst": "10.0.0.2"}})",
       "unknown_command", 6},
  };
  for (const Case& c : cases) {
    json r = reply(h, c.line);
    EXPECT_EQ(r["ok"], false) << c.line;
    EXPECT_EQ(r["id"], c.id) << c.line;
    EXPECT_EQ(r["error"]["code"], c.code) << c.line;
    EXPECT_TRUE(r["error"]["message"].is_string()) << c.line;
  }
  EXPECT_EQ(h.calls, 0);  // nothing reached the endpoint
}

// The status of a real datapath: two packets of one flow and one of another
// out, one reply in (counted against its flow), one replayed packet dropped.
TEST(EndpointControl, StatusCountsPacketsDropsAndFlows) {
  const EndpointConfig c = config(core::Carrier::ip);
  auto dp = EndpointDatapath::create(c);
  ASSERT_TRUE(dp.ok());
  auto ain =
      core::TunnelBundle::create(c.carrier, c.in, c.out, c.ain_address, c.tunnel_address, 64);
  ASSERT_TRUE(ain.ok());
  crypto::DeterministicRng rng(3);
  FlowTable flows(16);

  for (const Bytes& p :
       {inner_packet("10.99.0.7", "10.200.4.2", 100), inner_packet("10.99.0.7", "10.200.4.2", 60),
        inner_packet("10.99.0.7", "10.200.4.3", 40)}) {
    ASSERT_TRUE(dp->outbound(p, rng).ok());
    ASSERT_TRUE(flows.record(p, Time{}));
  }
  std::array<uint8_t, 2048> out{};
  const Bytes answer = inner_packet("10.200.4.2", "10.99.0.7", 80);
  auto sealed = ain->seal(answer, wire::kProtoIpv4, MutByteSpan(out), rng);
  ASSERT_TRUE(sealed.ok());
  const Bytes wire_packet(sealed->begin(), sealed->end());
  auto got = dp->inbound(std::nullopt, wire_packet);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(flows.count_reply(*got, Time{}));
  EXPECT_FALSE(dp->inbound(std::nullopt, wire_packet).ok());  // RFC 4303 §3.4.3: replay

  EndpointIoCounters io{1, 3, 0, 2, 0};
  EndpointStatus s = endpoint_status(c, dp->counters(), flows, io, 42);
  EXPECT_EQ(s.role, "initiator");
  EXPECT_EQ(s.carrier, "ip");
  EXPECT_EQ(s.ain_address, "10.200.0.1");
  EXPECT_EQ(s.inner_addresses, std::vector<std::string>{"10.99.0.7"});
  EXPECT_EQ(s.routes, std::vector<std::string>{"10.200.4.0/24"});
  EXPECT_EQ(s.esp_spi_out, 0x640101u);
  EXPECT_EQ(s.esp_spi_in, 0x16401u);
  ASSERT_TRUE(s.ah_spi_out && s.ah_spi_in);
  EXPECT_EQ(*s.ah_spi_out, 0x640102u);
  EXPECT_EQ(*s.ah_spi_in, 0x16402u);
  EXPECT_EQ(s.uptime_s, 42);
  EXPECT_EQ(s.packets_out, 3u);
  EXPECT_EQ(s.bytes_out, 200u);
  EXPECT_EQ(s.packets_in, 1u);
  EXPECT_EQ(s.bytes_in, 80u);
  EXPECT_EQ(s.carrier_packets_out, 3u);
  EXPECT_EQ(s.carrier_packets_in, 2u);
  EXPECT_EQ(s.drops.at("tun_io"), 1u);
  EXPECT_EQ(s.drops.at("not_from_ain"), 0u);  // fixed reasons are always there
  EXPECT_EQ(s.drops.at("open_replay"), 1u);   // open failures by Errc, when they occurred
  EXPECT_EQ(s.drops.count("open_auth_failed"), 0u);
  ASSERT_EQ(s.flows.size(), 2u);
  for (const FlowRow& f : s.flows) {
    EXPECT_EQ(f.src, "10.99.0.7");
    if (f.dst == "10.200.4.2") {
      EXPECT_EQ(f.packets_out, 2u);
      EXPECT_EQ(f.bytes_out, 160u);
      EXPECT_EQ(f.packets_in, 1u);
      EXPECT_EQ(f.bytes_in, 80u);
    } else {
      EXPECT_EQ(f.dst, "10.200.4.3");
      EXPECT_EQ(f.packets_out, 1u);
      EXPECT_EQ(f.packets_in, 0u);
    }
  }

  // The udp carrier has no AH SAs (RFC 3948), so no AH SPIs are reported.
  auto uc = config(core::Carrier::udp);
  auto udp = EndpointDatapath::create(uc);
  ASSERT_TRUE(udp.ok());
  s = endpoint_status(uc, udp->counters(), FlowTable(4), {}, 0);
  EXPECT_EQ(s.carrier, "udp");
  EXPECT_FALSE(s.ah_spi_out || s.ah_spi_in);
  EXPECT_TRUE(s.flows.empty());
}

// ainctl prints an endpoint's status as such, with one row per flow.
TEST(EndpointControl, AinctlPrintsTheEndpointStatus) {
  FixedHandler h;
  json r = reply(h, R"({"cmd": "status"})");
  std::ostringstream out;
  cli::print_result("status", r["result"], out);
  const std::string text = out.str();
  EXPECT_NE(text.find("endpoint alice (initiator"), std::string::npos) << text;
  EXPECT_NE(text.find("esp out 0x00640101"), std::string::npos) << text;
  EXPECT_NE(text.find("open_replay=2"), std::string::npos) << text;
  EXPECT_EQ(text.find("tun_io="), std::string::npos) << text;  // zero drops are not printed
  EXPECT_NE(text.find("10.99.0.7"), std::string::npos) << text;
  EXPECT_NE(text.find("table full: 4 datagrams"), std::string::npos) << text;
  EXPECT_EQ(text.find("PVTs"), std::string::npos) << text;  // not aind's status
  EXPECT_EQ(text.find("cpu latency"), std::string::npos) << text;  // none held
}

// endpoint.cpu_latency_us (docs/control.md): the request held shows in the
// JSON and in ainctl's text.
TEST(EndpointControl, StatusShowsTheCpuLatencyRequestHeld) {
  FixedHandler h;
  h.cpu_latency_us = 0;
  json r = reply(h, R"({"cmd": "status"})");
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["result"]["cpu_latency_us"], 0);
  std::ostringstream out;
  cli::print_result("status", r["result"], out);
  EXPECT_NE(out.str().find("cpu latency: 0 us requested"), std::string::npos) << out.str();
}

// A socket file left by a run that crashed (bound, never unlinked).
void leave_stale_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(fd);
}

TEST(EndpointControlSocket, ServesThroughControlServerAndCleansUp) {
  auto l = io::EventLoop::create();
  ASSERT_TRUE(l);
  FixedHandler h;
  char dir[] = "/tmp/ainet-epctl-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/endpoint.sock";
  leave_stale_socket(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  {
    auto stale = daemon::ControlClient::connect(path);  // nobody listens there
    EXPECT_FALSE(stale);
  }
  {
    daemon::ControlServer server(
        **l, [&h](std::string_view line) { return dispatch_endpoint_control_line(h, line); });
    ASSERT_TRUE(server.listen(path).ok());
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::thread t([&] { (void)(*l)->run(); });
    auto c = daemon::ControlClient::connect(path);
    ASSERT_TRUE(c) << c.error().message();
    daemon::ControlReply r = c->call("status");
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.result["kind"], "endpoint");
    EXPECT_EQ(r.result["flows"].size(), 1u);
    r = c->call("list_ants");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error_code, "unknown_command");
    // The server's framing applies: an overlong line is refused, then closed.
    r = c->call(std::string(daemon::kMaxControlRequest + 10, 'x'));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error_code, "too_long");
    (*l)->stop();
    t.join();
  }
  // The server is gone, and so is its socket file.
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  ::rmdir(dir);
}

}  // namespace
}  // namespace ainet::endpoint
