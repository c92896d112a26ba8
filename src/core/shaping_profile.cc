#include "core/shaping_profile.h"

#include <algorithm>

namespace ainet::core {

ShapingProfile ShapingProfile::make_constant(uint32_t rate) {
  ShapingProfile p;
  p.mode = ShapingMode::constant;
  p.levels[0] = rate;
  p.level_count = 1;
  return p;
}

Result<ShapingProfile> ShapingProfile::make_adaptive(std::span<const uint32_t> rates,
                                                     Duration interval) {
  if (rates.empty() || rates.size() > kMaxShapingLevels) return Errc::invalid_argument;
  ShapingProfile p;
  p.mode = ShapingMode::adaptive;
  std::copy(rates.begin(), rates.end(), p.levels.begin());
  p.level_count = static_cast<uint8_t>(rates.size());
  p.interval = interval;
  if (Errc e = p.check(); e != Errc::ok) return e;
  return p;
}

Errc ShapingProfile::check() const {
  switch (mode) {
    case ShapingMode::off: return level_count == 0 ? Errc::ok : Errc::invalid_argument;
    case ShapingMode::constant:
      if (level_count != 1) return Errc::invalid_argument;
      break;
    case ShapingMode::adaptive:
      if (level_count < 1 || level_count > kMaxShapingLevels) return Errc::invalid_argument;
      if (interval < kMinShapingInterval || interval > kMaxShapingInterval)
        return Errc::invalid_argument;
      break;
    default: return Errc::invalid_argument;
  }
  for (size_t i = 0; i < level_count; ++i) {
    if (levels[i] < kMinShapingRate || levels[i] > kMaxShapingRate) return Errc::invalid_argument;
    if (i > 0 && levels[i] <= levels[i - 1]) return Errc::invalid_argument;
  }
  // Unused level slots stay zero so equal profiles compare and encode equal.
  for (size_t i = level_count; i < kMaxShapingLevels; ++i)
    if (levels[i] != 0) return Errc::invalid_argument;
  return Errc::ok;
}

Duration ShapingProfile::period(uint8_t level) const {
  const uint32_t rate = levels[std::min<size_t>(level, level_count ? level_count - 1 : 0)];
  if (rate == 0) return Duration::s(1);
  return Duration{std::max<int64_t>(1, 1'000'000'000LL / rate)};
}

std::string ShapingProfile::describe() const {
  switch (mode) {
    case ShapingMode::off: return "off";
    case ShapingMode::constant: return "constant " + std::to_string(levels[0]) + "/s";
    case ShapingMode::adaptive: {
      std::string s = "adaptive ";
      for (size_t i = 0; i < level_count; ++i) {
        if (i) s += ',';
        s += std::to_string(levels[i]);
      }
      s += "/s every " + std::to_string(interval.ns / 1'000'000) + "ms";
      return s;
    }
  }
  return "unknown";
}

void encode_shaping(const ShapingProfile& p, std::span<uint8_t, kShapingWireSize> out) {
  ByteWriter w(out);
  w.u8(static_cast<uint8_t>(p.mode));
  w.u8(p.level_count);
  w.zeros(2);
  w.u32(p.mode == ShapingMode::adaptive ? static_cast<uint32_t>(p.interval.ns / 1'000'000) : 0);
  for (uint32_t l : p.levels) w.u32(l);
  w.zeros(w.remaining());
}

Result<ShapingProfile> decode_shaping(std::span<const uint8_t, kShapingWireSize> in) {
  ByteReader r(in);
  ShapingProfile p;
  const uint8_t mode = r.u8();
  p.level_count = r.u8();
  r.skip(2);
  const uint32_t interval_ms = r.u32();
  for (uint32_t& l : p.levels) l = r.u32();
  if (mode > static_cast<uint8_t>(ShapingMode::adaptive)) return Errc::malformed;
  p.mode = static_cast<ShapingMode>(mode);
  if (p.mode == ShapingMode::adaptive) p.interval = Duration::ms(interval_ms);
  else if (interval_ms != 0) return Errc::malformed;
  if (p.check() != Errc::ok) return Errc::malformed;
  return p;
}

}  // namespace ainet::core
