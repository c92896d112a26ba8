// aind.toml [shaping]: profiles map into EngineConfig::shaping; every mistake
// is one "file:line: field: what" message.
#include <gtest/gtest.h>

#include "daemon/config.h"

namespace ainet::daemon {
namespace {

const std::string kKey = "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50";

// Lines 1..7; [shaping] text starts on line 8.
std::string with_shaping(const std::string& shaping) {
  return "[node]\nid = 1\nonion_key = \"" + kKey + "\"\n\n[directory]\nfile = \"dir.toml\"\n" +
         "authority_key = \"" + kKey + "\"\n" + shaping;
}

ConfigLoad load(const std::string& shaping) {
  return parse_config(with_shaping(shaping), "aind.toml", "/etc/ainet");
}

TEST(ShapingConfig, CellSizeMustHoldPaddedSignaling) {
  // With AES-GMAC TVTs (the default) a TVT packet is 8 bytes longer than with
  // HMAC (the IV, RFC 4543 §4), so the padded signaling message fits a cell
  // 8 bytes smaller (core/link_sizes.h).
  EXPECT_EQ(load("[ant]\ncell_size = 1000\n").error,
            "aind.toml:9: ant.cell_size: must be at least 1272 and a multiple of 4 (ip carrier) so "
            "that signaling and data packets have one length, got 1000");
  EXPECT_EQ(load("[ant]\ncell_size = 1402\n").error,
            "aind.toml:9: ant.cell_size: must be at least 1272 and a multiple of 4 (ip carrier) so "
            "that signaling and data packets have one length, got 1402");
  EXPECT_EQ(load("[network]\ntvt_integrity = \"hmac-sha256-128\"\n[ant]\ncell_size = 1276\n").error,
            "aind.toml:11: ant.cell_size: must be at least 1280 and a multiple of 4 (ip carrier) so "
            "that signaling and data packets have one length, got 1276");
  EXPECT_TRUE(load("[ant]\ncell_size = 1276\n").ok);
  EXPECT_TRUE(load("[network]\ncarrier = \"udp\"\n[ant]\ncell_size = 1402\n").ok);
  EXPECT_TRUE(load("[ant]\ncell_size = 1540\n").ok);
}

TEST(ShapingConfig, DefaultsAreOff) {
  ConfigLoad r = load("");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.config.engine.shaping.ant.shaped());
  EXPECT_FALSE(r.config.engine.shaping.customer.shaped());
  EXPECT_FALSE(r.config.engine.shaping.pad_customer);
  EXPECT_EQ(r.config.engine.shaping.cover_ants, 0u);
}

TEST(ShapingConfig, ConstantAndAdaptiveProfiles) {
  ConfigLoad r = load(
      "[shaping]\nqueue = 32\npool = 1024\npad_customer = true\ncover_ants = 2\n"
      "[shaping.ant]\nprofile = \"adaptive\"\nlevels = [20, 100, 500]\ninterval = \"5s\"\n"
      "[shaping.customer]\nprofile = \"constant\"\nrate = 250\n");
  ASSERT_TRUE(r.ok) << r.error;
  const core::ShapingConfig& s = r.config.engine.shaping;
  EXPECT_EQ(s.queue, 32u);
  EXPECT_EQ(s.pool, 1024u);
  EXPECT_TRUE(s.pad_customer);
  EXPECT_EQ(s.cover_ants, 2u);
  EXPECT_EQ(s.ant.describe(), "adaptive 20,100,500/s every 5000ms");
  EXPECT_EQ(s.customer, core::ShapingProfile::make_constant(250));
}

TEST(ShapingConfig, EveryMistakeNamesLineAndField) {
  EXPECT_EQ(load("[shaping]\nqeue = 3\n").error, "aind.toml:9: shaping.qeue: unknown key");
  EXPECT_EQ(load("[shaping.ant]\nprofile = \"fast\"\n").error,
            "aind.toml:9: shaping.ant.profile: expected \"off\", \"constant\" or \"adaptive\", got \"fast\"");
  EXPECT_EQ(load("[shaping.ant]\nprofile = \"constant\"\n").error,
            "aind.toml:8: shaping.ant.rate: missing (required)");
  EXPECT_EQ(load("[shaping.ant]\nprofile = \"constant\"\nrate = 0\n").error,
            "aind.toml:10: shaping.ant.rate: expected 1..100000, got 0");
  EXPECT_EQ(load("[shaping.ant]\nprofile = \"constant\"\nrate = 5\nlevels = [1]\n").error,
            "aind.toml:11: shaping.ant.levels: not used by profile \"constant\"");
  EXPECT_EQ(load("[shaping.customer]\nprofile = \"adaptive\"\nlevels = [100, 20]\n").error,
            "aind.toml:10: shaping.customer.levels[1]: levels must be strictly ascending");
  EXPECT_EQ(load("[shaping.customer]\nprofile = \"adaptive\"\nlevels = [1, 2, 3, 4, 5, 6, 7, 8, 9]\n").error,
            "aind.toml:10: shaping.customer.levels: expected 1..8 rates, got 9");
  EXPECT_EQ(load("[shaping.customer]\nprofile = \"adaptive\"\nlevels = [10]\ninterval = \"10ms\"\n").error,
            "aind.toml:11: shaping.customer.interval: must be at least 100 ms");
  EXPECT_EQ(load("[shaping]\ncover_ants = 65\n").error,
            "aind.toml:9: shaping.cover_ants: expected 0..64, got 65");
  EXPECT_EQ(load("[shaping]\ncover_ants = 1\n").error,
            "aind.toml:9: shaping.cover_ants: needs a [shaping.ant] profile other than \"off\" "
            "(cover ANTs send at its rate)");
  EXPECT_EQ(load("[shaping.ant]\nrate = 5\n").error,
            "aind.toml:9: shaping.ant.rate: not used by profile \"off\"");
}

}  // namespace
}  // namespace ainet::daemon
