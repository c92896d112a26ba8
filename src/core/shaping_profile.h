// Traffic shaping profiles (paper §5.4 "Dummy Traffic"; docs/protocol.md
// "Shaping"): how many cells per second a shaped flow sends, whether or not
// real data waits. A slot with no real datagram carries a dummy instead, so
// an observer of the link sees the same rate whatever the customer does.
//
//   off       send each datagram when it arrives (no dummies, no queue);
//   constant  one rate, for the whole life of the flow;
//   adaptive  a few configured rates ("levels"); the flow may move to another
//             level only at the end of each `interval`, from what it carried
//             in the interval that ended (as TARANET's flowlets do), because
//             rate changes at fine granularity would leak the timing that
//             shaping exists to hide.
//
// The entrance carries the backward profile to the exit in the exit's CREATE
// slot (HopInfo bytes 16..63), so both ends of an ANT shape it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "util/bytes.h"
#include "util/result.h"
#include "util/time.h"

namespace ainet::core {

enum class ShapingMode : uint8_t { off = 0, constant = 1, adaptive = 2 };

constexpr size_t kMaxShapingLevels = 8;
// Bounds that keep a profile meaningful and the timer load finite.
constexpr uint32_t kMinShapingRate = 1;       // cells/s
constexpr uint32_t kMaxShapingRate = 100000;  // cells/s, one cell every 10 us
constexpr Duration kMinShapingInterval = Duration::ms(100);
constexpr Duration kMaxShapingInterval = Duration::s(3600);

struct ShapingProfile {
  ShapingMode mode = ShapingMode::off;
  // Rates in cells per second, strictly ascending; constant uses levels[0].
  std::array<uint32_t, kMaxShapingLevels> levels{};
  uint8_t level_count = 0;
  // adaptive: the rate may change only at multiples of this after the start.
  Duration interval = Duration::s(10);

  static ShapingProfile make_constant(uint32_t rate);
  // Errc::invalid_argument if a rate is out of bounds or not ascending,
  // more than kMaxShapingLevels levels, or the interval is out of bounds.
  static Result<ShapingProfile> make_adaptive(std::span<const uint32_t> rates, Duration interval);

  bool shaped() const { return mode != ShapingMode::off; }
  // Errc::ok or the reason the profile is unusable (what make_* check).
  Errc check() const;
  // Sending period at a level (1 s / rate), at least 1 ns.
  Duration period(uint8_t level) const;
  // Human-readable form for logs and ainctl: "off", "constant 100/s",
  // "adaptive 20,100,500/s every 10s".
  std::string describe() const;

  bool operator==(const ShapingProfile&) const = default;
};

// Wire form inside a CREATE slot's info (48 bytes; docs/protocol.md
// "Shaping"): mode(1) | level_count(1) | reserved(2) | interval_ms(4) |
// levels(8 x 4) | zero(8). All-zero bytes are the off profile, so a CREATE
// from an entrance that does not shape is read as "off".
constexpr size_t kShapingWireSize = 48;
void encode_shaping(const ShapingProfile& p, std::span<uint8_t, kShapingWireSize> out);
// Errc::malformed for an unknown mode or a profile that fails check().
Result<ShapingProfile> decode_shaping(std::span<const uint8_t, kShapingWireSize> in);

}  // namespace ainet::core
