#include "core/flow_shaper.h"

namespace ainet::core {

uint8_t pick_level(const ShapingProfile& p, uint64_t demand) {
  if (p.level_count == 0) return 0;
  for (uint8_t i = 0; i < p.level_count; ++i) {
    // Capacity of one interval at this rate, in cells. No overflow: rate <=
    // 1e5 and interval <= 3.6e12 ns (shaping_profile.h bounds).
    const int64_t cap = static_cast<int64_t>(p.levels[i]) * p.interval.ns / 1'000'000'000;
    if (static_cast<uint64_t>(cap) >= demand) return i;
  }
  return static_cast<uint8_t>(p.level_count - 1);
}

void FlowShaper::start(const ShapingProfile& p, Time now, Duration phase) {
  level = 0;
  offered = 0;
  const Duration per = p.period(level);
  if (phase.ns < 0 || phase >= per) phase = Duration{0};
  next = now + phase;
  interval_end = p.mode == ShapingMode::adaptive ? now + p.interval : Time::max();
}

void FlowShaper::advance(const ShapingProfile& p, Time now, size_t backlog) {
  if (p.mode == ShapingMode::adaptive && now >= interval_end) {
    // Whole intervals that ended since the last slot; the demand of the
    // earlier ones is already gone (an idle flow drops to the lowest level).
    const int64_t ended = (now - interval_end).ns / p.interval.ns + 1;
    const uint64_t demand = (ended == 1 ? offered : 0) + backlog;
    const uint8_t before = level;
    level = pick_level(p, demand);
    if (level != before) ++level_changes;
    offered = 0;
    interval_end = interval_end + Duration{ended * p.interval.ns};
  }
  const Duration per = p.period(level);
  next = next + per;
  if (now - next > Duration{per.ns * kMaxCatchUp}) {
    // Too far behind: re-anchor instead of a long burst.
    missed_slots += static_cast<uint64_t>((now - next).ns / per.ns);
    next = now + per;
  }
}

}  // namespace ainet::core
