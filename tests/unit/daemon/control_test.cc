// The control protocol end to end: ControlClient <-> socketpair <->
// ControlServer (in its own EventLoop thread) <-> a fake handler.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "daemon/control_client.h"
#include "daemon/control_protocol.h"
#include "daemon/control_server.h"
#include "io/event_loop.h"

namespace ainet::daemon {
namespace {

using nlohmann::json;

class FakeHandler : public ControlHandler {
 public:
  StatusInfo status() override {
    StatusInfo s;
    s.node_id = 7;
    s.node_name = "ain7";
    s.carrier = "udp";
    s.pvts_up = 2;
    s.pvts_total = 3;
    s.drops["auth_failed"] = 5;
    s.cpu_latency_us = 0;
    return s;
  }
  std::vector<PvtRow> list_pvts() override {
    PvtRow r;
    r.peer = 2;
    r.address = "10.0.0.2";
    r.up = true;
    r.packets_in = 11;
    return {r};
  }
  std::vector<TvtRow> list_tvts() override { return {}; }
  std::vector<AntRow> list_ants() override {
    AntRow a;
    a.handle = 42;
    a.role = "entrance";
    a.route = {1, 2, 3};
    return {a};
  }
  std::vector<CustomerRow> list_customers() override {
    CustomerRow c;
    c.id = 10;
    c.name = "alice";
    c.role = "initiator";
    return {c};
  }
  ControlOutcome<std::vector<SaRow>> list_sas(bool with_keys) override {
    asked_keys = with_keys;
    if (with_keys) return ControlOutcome<std::vector<SaRow>>::fail("unavailable", "key export is off");
    SaRow r;
    r.kind = "tvt";
    r.link = "ain2";
    r.proto = "ah";
    r.src = "10.0.0.1";
    r.dst = "10.0.0.2";
    r.spi = 0x0a0b0c;
    r.encap = "none";
    r.enc = "none";
    r.enc_key = "-";
    r.auth = "hmac-sha256-128";
    r.auth_key = "-";
    r.esn = true;
    r.seq = (uint64_t{5} << 32) | 9;
    r.ant = 42;
    r.direction = "fwd";
    return ControlOutcome<std::vector<SaRow>>::ok({r});
  }
  ControlOutcome<uint64_t> create_ant(const CreateAntRequest& r) override {
    last_create = r;
    if (r.customer != 10) return ControlOutcome<uint64_t>::fail("not_found", "no customer 99");
    return ControlOutcome<uint64_t>::ok(1234);
  }
  ControlOutcome<Done> destroy_ant(uint64_t h) override {
    destroyed = h;
    return ControlOutcome<Done>::ok({});
  }
  ControlOutcome<DirectoryInfo> reload_directory() override {
    return ControlOutcome<DirectoryInfo>::fail("failed", "directory.toml: bad signature");
  }
  CreateAntRequest last_create;
  uint64_t destroyed = 0;
  std::optional<bool> asked_keys;
};

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = io::EventLoop::create();
    ASSERT_TRUE(l);
    loop = std::move(l).value();
    server = std::make_unique<ControlServer>(*loop, handler);
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_end = sv[0];
    client = ControlClient(io::UniqueFd(sv[1]));
  }
  void start() {
    server->adopt(io::UniqueFd(server_end));
    thread = std::thread([this] { (void)loop->run(); });
  }
  void TearDown() override {
    if (thread.joinable()) {
      loop->stop();
      thread.join();
    }
    server.reset();
  }
  FakeHandler handler;
  std::unique_ptr<io::EventLoop> loop;
  std::unique_ptr<ControlServer> server;
  ControlClient client;
  int server_end = -1;
  std::thread thread;
};

TEST_F(ControlTest, StatusAndListsRoundTrip) {
  start();
  ControlReply r = client.call("status");
  ASSERT_TRUE(r.ok) << r.error_code << ": " << r.error_message;
  EXPECT_EQ(r.result["node_id"], 7);
  EXPECT_EQ(r.result["carrier"], "udp");
  EXPECT_EQ(r.result["drops"]["auth_failed"], 5);
  EXPECT_TRUE(r.result["directory_expires"].is_null());
  EXPECT_EQ(r.result["cpu_latency_us"], 0);

  r = client.call("list_pvts");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.result["pvts"].size(), 1u);
  EXPECT_EQ(r.result["pvts"][0]["address"], "10.0.0.2");
  EXPECT_EQ(r.result["pvts"][0]["packets_in"], 11);

  r = client.call("list_ants");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result["ants"][0]["route"], json({1, 2, 3}));
  r = client.call("list_customers");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result["customers"][0]["name"], "alice");
  r = client.call("list_tvts");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.result["tvts"].is_array());
  r = client.call("version");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result["protocol"], kControlProtocolVersion);
}

// list_sas rows carry exactly the sa.txt fields (docs/pcap.md), the SPI as
// 0x + 8 hex digits; "keys" must be a boolean and reaches the handler.
TEST_F(ControlTest, ListSasUsesTheSaTxtFieldsAndPassesTheKeysFlag) {
  start();
  ControlReply r = client.call("list_sas");
  ASSERT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(handler.asked_keys, false);
  ASSERT_EQ(r.result["sas"].size(), 1u);
  const json& s = r.result["sas"][0];
  for (const char* k : {"kind", "link", "proto", "src", "dst", "spi", "encap", "enc", "enc_key", "auth", "auth_key"})
    EXPECT_TRUE(s.contains(k) && s[k].is_string()) << k;
  EXPECT_EQ(s["spi"], "0x000a0b0c");
  EXPECT_EQ(s["seq"], (uint64_t{5} << 32) | 9);
  EXPECT_EQ(s["esn"], true);
  EXPECT_EQ(s["ant"], 42);
  EXPECT_EQ(s["direction"], "fwd");
  r = client.call("list_sas", {{"keys", true}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "unavailable");
  EXPECT_EQ(handler.asked_keys, true);
  handler.asked_keys.reset();
  r = client.call("list_sas", {{"keys", "yes"}});
  EXPECT_EQ(r.error_code, "bad_request");
  EXPECT_FALSE(handler.asked_keys.has_value());
}

TEST_F(ControlTest, CreateAndDestroyReachTheHandler) {
  start();
  ControlReply r = client.call("create_ant", {{"customer", 10}, {"src", "10.1.0.5"}, {"dst", "192.0.2.9"}, {"route", {1, 4, 6}}});
  ASSERT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.result["ant"], 1234);
  // The loop thread has finished with the request before the reply arrived.
  EXPECT_EQ(handler.last_create.src, "10.1.0.5");
  EXPECT_EQ(handler.last_create.route, (std::vector<uint32_t>{1, 4, 6}));

  r = client.call("create_ant", {{"customer", 99}, {"src", "10.1.0.5"}, {"dst", "192.0.2.9"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "not_found");
  EXPECT_EQ(r.error_message, "no customer 99");

  r = client.call("destroy_ant", {{"ant", 1234}});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(handler.destroyed, 1234u);

  r = client.call("reload_directory");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "failed");
}

TEST_F(ControlTest, BadRequestsGetErrorsAndTheConnectionSurvives) {
  start();
  ControlReply r = client.call("frobnicate");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "unknown_command");
  EXPECT_EQ(r.error_message, "unknown command \"frobnicate\"");
  r = client.call("create_ant", {{"customer", "alice"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "bad_request");
  r = client.call("destroy_ant", {{"ant", -1}});
  EXPECT_EQ(r.error_code, "bad_request");
  r = client.call("status");
  EXPECT_TRUE(r.ok);
}

TEST_F(ControlTest, PipelinedRawLinesAreAnsweredInOrder) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  server->adopt(io::UniqueFd(sv[0]));
  start();
  // Three requests in one write, one of them not JSON, CRLF on one.
  const std::string req =
      "{\"id\":1,\"cmd\":\"destroy_ant\",\"args\":{\"ant\":3}}\r\nnot json\n{\"id\":\"x\",\"cmd\":\"version\"}\n";
  ASSERT_EQ(write(sv[1], req.data(), req.size()), static_cast<ssize_t>(req.size()));
  shutdown(sv[1], SHUT_WR);  // half-close: the server still answers, then closes
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(sv[1], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  close(sv[1]);
  EXPECT_EQ(got,
            "{\"id\":1,\"ok\":true,\"result\":{}}\n"
            "{\"error\":{\"code\":\"bad_request\",\"message\":\"request is not a JSON object\"},\"id\":null,\"ok\":false}\n"
            "{\"id\":\"x\",\"ok\":true,\"result\":{\"aind\":\"0.1.0\",\"protocol\":1}}\n");
  EXPECT_EQ(handler.destroyed, 3u);
}

TEST_F(ControlTest, OverlongRequestIsRefusedAndClosed) {
  start();
  // A line longer than the limit without a newline: error, then close.
  std::string big(kMaxControlRequest + 10, 'x');
  ControlReply r = client.call(big);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "too_long");
  r = client.call("status", nullptr, 500);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "io");
}

TEST(ControlServerListen, UnixSocketPathIsPrivateAndServes) {
  auto l = io::EventLoop::create();
  ASSERT_TRUE(l);
  FakeHandler handler;
  ControlServer server(**l, handler);
  char dir[] = "/tmp/ainet-ctl-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/aind.sock";
  ASSERT_TRUE(server.listen(path).ok());
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::thread t([&] { (void)(*l)->run(); });
  auto c = ControlClient::connect(path);
  ASSERT_TRUE(c) << c.error().message();
  ControlReply r = c->call("status");
  EXPECT_TRUE(r.ok);
  (*l)->stop();
  t.join();
  auto missing = ControlClient::connect(std::string(dir) + "/nope.sock");
  EXPECT_FALSE(missing);
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace ainet::daemon
