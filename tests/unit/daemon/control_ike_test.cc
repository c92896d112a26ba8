// The IKE commands of the control protocol (docs/control.md "list_ike",
// "ike_rekey", "ike_terminate"): a handler without [ike] refuses them with
// "unavailable", one with IKE answers in the documented shape, and bad
// arguments are refused before the handler sees them.
#include <gtest/gtest.h>

#include "daemon/control_protocol.h"

namespace ainet::daemon {
namespace {

using nlohmann::json;

class NoIke : public ControlHandler {
 public:
  StatusInfo status() override { return {}; }
  std::vector<PvtRow> list_pvts() override { return {}; }
  std::vector<TvtRow> list_tvts() override { return {}; }
  std::vector<AntRow> list_ants() override { return {}; }
  std::vector<CustomerRow> list_customers() override { return {}; }
  ControlOutcome<std::vector<SaRow>> list_sas(bool) override {
    return ControlOutcome<std::vector<SaRow>>::ok({});
  }
  ControlOutcome<uint64_t> create_ant(const CreateAntRequest&) override {
    return ControlOutcome<uint64_t>::ok(1);
  }
  ControlOutcome<Done> destroy_ant(uint64_t) override { return ControlOutcome<Done>::ok({}); }
  ControlOutcome<DirectoryInfo> reload_directory() override {
    return ControlOutcome<DirectoryInfo>::ok({});
  }
};

class WithIke : public NoIke {
 public:
  ControlOutcome<IkeListing> list_ike() override {
    IkeListing l;
    IkeSaRow r;
    r.handle = 3;
    r.peer = "carol";
    r.customer = 12;
    r.state = "established";
    r.virtual_ip = "10.98.0.1";
    IkeChildRow c;
    c.spi_in = "0xc1f0a2b3";
    c.udp_encap = true;
    r.children.push_back(c);
    l.sas.push_back(r);
    l.counters["auth_failed_sent"] = 2;
    return ControlOutcome<IkeListing>::ok(l);
  }
  ControlOutcome<Done> ike_rekey(uint64_t id, bool child) override {
    last = {id, child};
    return id == 3 || child ? ControlOutcome<Done>::ok({})
                            : ControlOutcome<Done>::fail("not_found", "no IKE SA");
  }
  std::pair<uint64_t, bool> last{0, false};
};

json call(ControlHandler& h, const std::string& line) {
  return json::parse(dispatch_control_line(h, line));
}

TEST(ControlIke, WithoutIkeTheCommandsAreUnavailable) {
  NoIke h;
  for (const char* line :
       {R"({"id":1,"cmd":"list_ike"})", R"({"id":1,"cmd":"ike_rekey","args":{"id":3}})",
        R"({"id":1,"cmd":"ike_terminate","args":{"id":3,"child":true}})"}) {
    json r = call(h, line);
    EXPECT_FALSE(r["ok"].get<bool>()) << line;
    EXPECT_EQ(r["error"]["code"], "unavailable") << line;
  }
}

TEST(ControlIke, ListAndRekeyInTheDocumentedShape) {
  WithIke h;
  json r = call(h, R"({"id":1,"cmd":"list_ike"})");
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  const json& sa = r["result"]["ike_sas"][0];
  EXPECT_EQ(sa["handle"], 3);
  EXPECT_EQ(sa["state"], "established");
  EXPECT_EQ(sa["customer"], 12);
  EXPECT_EQ(sa["virtual_ip"], "10.98.0.1");
  EXPECT_EQ(sa["children"][0]["spi_in"], "0xc1f0a2b3");
  EXPECT_TRUE(sa["children"][0]["udp_encap"].get<bool>());
  EXPECT_EQ(r["result"]["counters"]["auth_failed_sent"], 2);

  EXPECT_TRUE(call(h, R"({"id":2,"cmd":"ike_rekey","args":{"id":3}})")["ok"].get<bool>());
  EXPECT_EQ(h.last, std::make_pair(uint64_t{3}, false));
  EXPECT_TRUE(call(h, R"({"id":2,"cmd":"ike_rekey","args":{"id":3253773491,"child":true}})")["ok"]
                  .get<bool>());
  EXPECT_EQ(h.last, std::make_pair(uint64_t{3253773491}, true));
  EXPECT_EQ(call(h, R"({"id":2,"cmd":"ike_rekey","args":{"id":4}})")["error"]["code"], "not_found");
  // Malformed arguments never reach the handler.
  h.last = {0, false};
  EXPECT_EQ(call(h, R"({"id":3,"cmd":"ike_rekey","args":{}})")["error"]["code"], "bad_request");
  EXPECT_EQ(call(h, R"({"id":3,"cmd":"ike_rekey","args":{"id":"x"}})")["error"]["code"],
            "bad_request");
  EXPECT_EQ(call(h, R"({"id":3,"cmd":"ike_rekey","args":{"id":3,"child":1}})")["error"]["code"],
            "bad_request");
  EXPECT_EQ(h.last, std::make_pair(uint64_t{0}, false));
}

}  // namespace
}  // namespace ainet::daemon
