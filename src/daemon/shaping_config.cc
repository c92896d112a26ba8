#include "daemon/shaping_config.h"

#include "daemon/config_values.h"

#include <string>
#include <vector>

namespace ainet::daemon {

using namespace config_toml;

namespace {

void refuse_key(const Section& s, std::string_view key, std::string_view profile) {
  if (const toml::node* n = s.get(key))
    fail(line_of(*n), s.field(key), "not used by profile \"" + std::string(profile) + "\"");
}

}  // namespace

core::ShapingProfile read_shaping_profile(const Section& s) {
  static constexpr std::string_view kModes[] = {"off", "constant", "adaptive"};
  const std::string_view mode = kModes[s.choice_or("profile", 0, {kModes[0], kModes[1], kModes[2]})];
  const int64_t line = s.get("profile") ? line_of(*s.get("profile")) : s.line();
  constexpr int64_t kLo = core::kMinShapingRate, kHi = core::kMaxShapingRate;
  if (mode == "off") {
    refuse_key(s, "rate", mode);
    refuse_key(s, "levels", mode);
    refuse_key(s, "interval", mode);
    return {};
  }
  if (mode == "constant") {
    refuse_key(s, "levels", mode);
    refuse_key(s, "interval", mode);
    return core::ShapingProfile::make_constant(static_cast<uint32_t>(s.integer("rate", kLo, kHi)));
  }
  refuse_key(s, "rate", mode);
  const toml::node& n = s.require("levels");
  if (!n.is_array()) fail(line_of(n), s.field("levels"), "expected an array of rates, got " + type_name(n));
  const toml::array& arr = *n.as_array();
  if (arr.empty() || arr.size() > core::kMaxShapingLevels)
    fail(line_of(n), s.field("levels"),
         "expected 1.." + std::to_string(core::kMaxShapingLevels) + " rates, got " + std::to_string(arr.size()));
  std::vector<uint32_t> rates;
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string key = "levels[" + std::to_string(i) + "]";
    const auto v = static_cast<uint32_t>(s.integer_at(arr[i], key, kLo, kHi));
    if (!rates.empty() && v <= rates.back())
      fail(line_of(arr[i]), s.field(key), "levels must be strictly ascending");
    rates.push_back(v);
  }
  const Duration interval = duration(s, "interval", Duration::s(10), core::kMinShapingInterval);
  if (interval > core::kMaxShapingInterval)
    fail(line_of(*s.get("interval")), s.field("interval"), "must be at most 1h");
  auto p = core::ShapingProfile::make_adaptive(rates, interval);
  if (!p) fail(line, s.field("profile"), "not a usable adaptive profile");
  return *p;
}

}  // namespace ainet::daemon
