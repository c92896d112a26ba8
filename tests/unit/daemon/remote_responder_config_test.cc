// aind config, [[remote_responder]] (paper §4.4, §5.3): registered responders
// behind another AIN's exit map into EngineConfig::remote_responders; every
// mistake gives one "file:line: field: message" like the rest of the loader.
#include <gtest/gtest.h>

#include "daemon/config.h"
#include "support/aind_config_text.h"

namespace ainet::daemon {
namespace {

// Lines 1-7; node id 1.
std::string base() { return test::aind_config_head(); }

// One [[remote_responder]] starting on line 8.
std::string rr(const std::string& exit, const std::string& id, const std::string& serves) {
  return "[[remote_responder]]\n"                 // 8
         "exit = " + exit + "\n"                  // 9
         "responder_id = " + id + "\n"            // 10
         "serves = " + serves + "\n";             // 11
}

std::string error_of(const std::string& text) { return test::aind_config_error(text); }

TEST(RemoteResponderConfig, MapsIntoEngineConfig) {
  ConfigLoad r = parse_config(base() + rr("3", "20", "[\"10.200.4.0/24\", \"fd00:200:0:4::/64\"]") +
                                  rr("4", "21", "[\"192.0.2.0/24\"]"),
                              "aind.toml", "/etc/ainet");
  ASSERT_TRUE(r.ok) << r.error;
  const auto& v = r.config.engine.remote_responders;
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].exit, 3u);
  EXPECT_EQ(v[0].responder_id, 20u);
  ASSERT_EQ(v[0].serves.size(), 2u);
  EXPECT_EQ(v[0].serves[0].to_string(), "10.200.4.0/24");
  EXPECT_EQ(v[0].serves[1].to_string(), "fd00:200:0:4::/64");
  EXPECT_EQ(v[1].exit, 4u);
  EXPECT_EQ(v[1].responder_id, 21u);
  // Absent section: none (every existing config keeps its meaning).
  ConfigLoad none = parse_config(base(), "aind.toml", "/etc/ainet");
  ASSERT_TRUE(none.ok) << none.error;
  EXPECT_TRUE(none.config.engine.remote_responders.empty());
}

TEST(RemoteResponderConfig, ExampleFileDocumentsIt) {
  ConfigLoad r = load_config(std::string(AINET_SOURCE_DIR) + "/examples/aind.toml");
  ASSERT_TRUE(r.ok) << r.error;
  const auto& v = r.config.engine.remote_responders;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].exit, 2u);
  EXPECT_EQ(v[0].responder_id, 20u);
  ASSERT_EQ(v[0].serves.size(), 2u);
  EXPECT_EQ(v[0].serves[1].to_string(), "2001:db8:90::/48");
}

TEST(RemoteResponderConfig, RefusesUnknownAndMissingKeys) {
  EXPECT_EQ(error_of(base() + rr("3", "20", "[\"10.0.0.0/8\"]") + "exitt = 3\n"),
            "aind.toml:12: remote_responder[0].exitt: unknown key");
  EXPECT_EQ(error_of(base() + "[[remote_responder]]\nresponder_id = 20\nserves = [\"10.0.0.0/8\"]\n"),
            "aind.toml:8: remote_responder[0].exit: missing (required)");
  EXPECT_EQ(error_of(base() + "[[remote_responder]]\nexit = 3\nserves = [\"10.0.0.0/8\"]\n"),
            "aind.toml:8: remote_responder[0].responder_id: missing (required)");
  EXPECT_EQ(error_of(base() + "[[remote_responder]]\nexit = 3\nresponder_id = 20\n"),
            "aind.toml:8: remote_responder[0].serves: missing (required)");
  // A single table instead of an array of tables.
  EXPECT_EQ(error_of(base() + "[remote_responder]\nexit = 3\n"),
            "aind.toml:8: remote_responder: expected [[remote_responder]] tables, got a table");
}

TEST(RemoteResponderConfig, RefusesBadExit) {
  EXPECT_EQ(error_of(base() + rr("1", "20", "[\"10.0.0.0/8\"]")),
            "aind.toml:9: remote_responder[0].exit: is this node's own id (a responder of this AIN is a "
            "[[responder]])");
  EXPECT_EQ(error_of(base() + rr("0", "20", "[\"10.0.0.0/8\"]")),
            "aind.toml:9: remote_responder[0].exit: expected 1..4294967295, got 0");
  EXPECT_EQ(error_of(base() + rr("\"3\"", "20", "[\"10.0.0.0/8\"]")),
            "aind.toml:9: remote_responder[0].exit: expected an integer, got a string");
  EXPECT_EQ(error_of(base() + rr("4294967296", "20", "[\"10.0.0.0/8\"]")),
            "aind.toml:9: remote_responder[0].exit: expected 1..4294967295, got 4294967296");
}

TEST(RemoteResponderConfig, RefusesBadResponderId) {
  EXPECT_EQ(error_of(base() + rr("3", "0", "[\"10.0.0.0/8\"]")),
            "aind.toml:10: remote_responder[0].responder_id: expected 1..4294967295, got 0");
  EXPECT_EQ(error_of(base() + rr("3", "-5", "[\"10.0.0.0/8\"]")),
            "aind.toml:10: remote_responder[0].responder_id: expected 1..4294967295, got -5");
}

TEST(RemoteResponderConfig, RefusesBadServes) {
  EXPECT_EQ(error_of(base() + rr("3", "20", "[]")),
            "aind.toml:11: remote_responder[0].serves: a remote responder must serve at least one prefix");
  EXPECT_EQ(error_of(base() + rr("3", "20", "\"10.0.0.0/8\"")),
            "aind.toml:11: remote_responder[0].serves: expected an array of prefixes, got a string");
  EXPECT_EQ(error_of(base() + rr("3", "20", "[\"10.0.0.0/33\"]")),
            "aind.toml:11: remote_responder[0].serves[0]: expected a prefix such as \"10.0.0.0/8\" or "
            "\"2001:db8::/32\", got \"10.0.0.0/33\"");
  EXPECT_EQ(error_of(base() + rr("3", "20", "[\"10.0.0.1/8\"]")),
            "aind.toml:11: remote_responder[0].serves[0]: host bits are set in \"10.0.0.1/8\" (did you mean "
            "\"10.0.0.0/8\"?)");
  EXPECT_EQ(error_of(base() + rr("3", "20", "[7]")),
            "aind.toml:11: remote_responder[0].serves[0]: expected a prefix string, got an integer");
  // The same prefix twice (the engine would silently use only the first).
  EXPECT_EQ(error_of(base() + rr("3", "20", "[\"10.0.0.0/8\"]") + rr("4", "21", "[\"192.0.2.0/24\", \"10.0.0.0/8\"]")),
            "aind.toml:15: remote_responder[1].serves[1]: prefix 10.0.0.0/8 is already served by "
            "remote_responder[0].serves[0] (line 11)");
}

}  // namespace
}  // namespace ainet::daemon
