// Shaping building blocks: profiles and their CREATE-slot wire form, the
// per-flow slot clock, the shared queue pool and the slot schedule.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/cell_queue.h"
#include "core/flow_shaper.h"
#include "core/handshake.h"
#include "core/shaping_profile.h"
#include "core/slot_schedule.h"

namespace ainet::core {
namespace {

TEST(ShapingProfile, ConstantAndAdaptiveRoundTripThroughTheCreateSlot) {
  const uint32_t rates[] = {20, 100, 500};
  auto a = ShapingProfile::make_adaptive(rates, Duration::s(5));
  ASSERT_TRUE(a);
  for (const ShapingProfile& p :
       {ShapingProfile{}, ShapingProfile::make_constant(250), a.value()}) {
    std::array<uint8_t, kShapingWireSize> b{};
    encode_shaping(p, b);
    auto back = decode_shaping(b);
    ASSERT_TRUE(back) << p.describe();
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(a->describe(), "adaptive 20,100,500/s every 5000ms");
  EXPECT_EQ(ShapingProfile::make_constant(7).describe(), "constant 7/s");
}

TEST(ShapingProfile, AllZeroBytesAreOff) {
  std::array<uint8_t, kShapingWireSize> zero{};
  auto p = decode_shaping(zero);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, ShapingMode::off);
}

TEST(ShapingProfile, RefusesBadProfiles) {
  const uint32_t descending[] = {100, 20};
  const uint32_t zero_rate[] = {0, 20};
  const uint32_t too_fast[] = {kMaxShapingRate + 1};
  const uint32_t nine[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_FALSE(ShapingProfile::make_adaptive(descending, Duration::s(1)));
  EXPECT_FALSE(ShapingProfile::make_adaptive(zero_rate, Duration::s(1)));
  EXPECT_FALSE(ShapingProfile::make_adaptive(too_fast, Duration::s(1)));
  EXPECT_FALSE(ShapingProfile::make_adaptive(nine, Duration::s(1)));
  const uint32_t ok[] = {10};
  EXPECT_FALSE(ShapingProfile::make_adaptive(ok, Duration::ms(10)));  // interval too fine
  EXPECT_NE(ShapingProfile::make_constant(0).check(), Errc::ok);

  // Wire: unknown mode, levels out of order, interval on a constant profile.
  std::array<uint8_t, kShapingWireSize> b{};
  encode_shaping(ShapingProfile::make_constant(10), b);
  auto bad = b;
  bad[0] = 3;
  EXPECT_EQ(decode_shaping(bad).error(), Errc::malformed);
  bad = b;
  bad[7] = 1;  // interval_ms != 0 for constant
  EXPECT_EQ(decode_shaping(bad).error(), Errc::malformed);
  bad = b;
  bad[1] = 2;  // level_count 2 but levels[1] == 0
  EXPECT_EQ(decode_shaping(bad).error(), Errc::malformed);
}

TEST(ShapingProfile, HopInfoCarriesTheExitsProfile) {
  HopInfo info;
  info.kind = HopKind::exit;
  info.inactivity_s = 120;
  const uint32_t rates[] = {50, 400};
  info.shaping = ShapingProfile::make_adaptive(rates, Duration::s(3)).value();
  const HopInfoBytes b = encode_hop_info(info);
  auto back = decode_hop_info(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, info);
  // A relay slot from an entrance that does not shape: bytes 16..63 all zero.
  HopInfo relay;
  relay.next = 7;
  const HopInfoBytes rb = encode_hop_info(relay);
  for (size_t i = 16; i < kHopInfoSize; ++i) EXPECT_EQ(rb[i], 0) << i;
  // An unknown shaping mode in a slot is refused like any malformed info.
  HopInfoBytes bad = b;
  bad[16] = 9;
  EXPECT_EQ(decode_hop_info(bad).error(), Errc::malformed);
}

TEST(FlowShaper, ConstantRateIsExactOverTime) {
  const auto p = ShapingProfile::make_constant(200);  // 5 ms
  FlowShaper f;
  f.start(p, Time::from_s(10), Duration::ms(2));
  EXPECT_EQ(f.next, Time::from_s(10) + Duration::ms(2));
  int slots = 0;
  // Serve every slot exactly on time for one second.
  while (f.next < Time::from_s(11)) {
    ++slots;
    f.advance(p, f.next, 0);
  }
  EXPECT_EQ(slots, 200);
  EXPECT_EQ(f.missed_slots, 0u);
}

TEST(FlowShaper, ShortLatenessCatchesUpLongStallReanchors) {
  const auto p = ShapingProfile::make_constant(1000);  // 1 ms
  FlowShaper f;
  f.start(p, Time{0}, Duration{0});
  // Woken 2 ms late: slots stay on the grid (catch-up), nothing missed.
  f.advance(p, Time::from_ms(2), 0);
  EXPECT_EQ(f.next, Time::from_ms(1));
  EXPECT_EQ(f.missed_slots, 0u);
  // A 100 ms stall: re-anchored one period after now, the gap counted.
  f.advance(p, Time::from_ms(101), 0);
  EXPECT_EQ(f.next, Time::from_ms(102));
  EXPECT_GE(f.missed_slots, 97u);
}

TEST(FlowShaper, AdaptiveChangesLevelOnlyAtIntervalBoundaries) {
  const uint32_t rates[] = {10, 100, 1000};
  auto p = ShapingProfile::make_adaptive(rates, Duration::s(1)).value();
  FlowShaper f;
  f.start(p, Time{0}, Duration{0});
  EXPECT_EQ(f.rate(p), 10u);
  // Heavy demand inside the first interval: the level must not move yet.
  Time now{0};
  while (now < Time::from_ms(999)) {
    for (int i = 0; i < 50; ++i) f.offer();
    f.advance(p, f.next, 40);
    now = f.next;
    if (now < Time::from_s(1)) {
      EXPECT_EQ(f.rate(p), 10u);
    }
  }
  // Past the boundary: demand was 500 offers + backlog -> the 1000/s level.
  while (f.next <= Time::from_s(1)) f.advance(p, f.next, 40);
  EXPECT_EQ(f.rate(p), 1000u);
  EXPECT_EQ(f.level_changes, 1u);
  // A quiet interval brings it back to the lowest level at the next boundary.
  while (f.next <= Time::from_s(2)) f.advance(p, f.next, 0);
  f.advance(p, f.next, 0);
  EXPECT_EQ(f.rate(p), 10u);
}

TEST(FlowShaper, PickLevelIsTheLowestThatCoversDemand) {
  const uint32_t rates[] = {10, 100};
  auto p = ShapingProfile::make_adaptive(rates, Duration::s(2)).value();  // caps 20, 200
  EXPECT_EQ(pick_level(p, 0), 0);
  EXPECT_EQ(pick_level(p, 20), 0);
  EXPECT_EQ(pick_level(p, 21), 1);
  EXPECT_EQ(pick_level(p, 5000), 1);
}

TEST(CellQueuePool, FifoOrderSharedBoundAndReturnOfSlots) {
  CellQueuePool pool(4, 16);
  CellQueuePool::Fifo a, b;
  const uint8_t d1[] = {1}, d2[] = {2, 2}, d3[] = {3, 3, 3};
  ASSERT_TRUE(pool.push(a, d1));
  ASSERT_TRUE(pool.push(b, d2));
  ASSERT_TRUE(pool.push(a, d3));
  ASSERT_TRUE(pool.push(b, d1));
  EXPECT_FALSE(pool.push(a, d1));  // pool full: refused, nothing changes
  EXPECT_EQ(a.size, 2u);
  EXPECT_EQ(pool.in_use(), 4u);
  uint8_t big[17] = {};
  pool.pop(b);
  EXPECT_FALSE(pool.push(a, big));  // larger than a slot
  EXPECT_EQ(pool.front(a).size(), 1u);
  pool.pop(a);
  EXPECT_EQ(pool.front(a).size(), 3u);
  EXPECT_EQ(pool.front(a)[2], 3);
  pool.clear(a);
  pool.clear(b);
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_TRUE(a.empty());
  // Every slot usable again.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(pool.push(a, d2));
}

TEST(SlotSchedule, MatchesAReferenceUnderRandomOperations) {
  SlotSchedule s;
  std::map<uint64_t, Time> ref;
  std::mt19937_64 rnd(7);
  for (int step = 0; step < 20000; ++step) {
    const uint64_t key = rnd() % 64;
    switch (rnd() % 3) {
      case 0:
      case 1: {
        const Time t{static_cast<int64_t>(rnd() % 1000)};
        s.set(key, t);
        ref[key] = t;
        break;
      }
      case 2:
        s.remove(key);
        ref.erase(key);
        break;
    }
    ASSERT_EQ(s.size(), ref.size());
    // The earliest (time, key) of the reference is what due() yields.
    std::set<std::pair<int64_t, uint64_t>> order;
    for (auto& [k, t] : ref) order.insert({t.ns, k});
    if (order.empty()) {
      EXPECT_EQ(s.next(), Time::max());
      EXPECT_FALSE(s.due(Time::max()));
    } else {
      EXPECT_EQ(s.next().ns, order.begin()->first);
      EXPECT_EQ(s.due(Time{order.begin()->first}), order.begin()->second);
      if (order.begin()->first > 0) {
        EXPECT_FALSE(s.due(Time{order.begin()->first - 1}));
      }
    }
  }
}

}  // namespace
}  // namespace ainet::core
