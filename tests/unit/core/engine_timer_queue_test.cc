#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "core/timer_queue.h"

namespace ainet::core {
namespace {

TEST(TimerQueue, FiresInDeadlineThenInsertionOrder) {
  TimerQueue q;
  q.schedule(Time::from_ms(20), {TimerKind::ant_life, 1});
  q.schedule(Time::from_ms(10), {TimerKind::ant_setup, 2});
  q.schedule(Time::from_ms(10), {TimerKind::ant_life, 3});
  EXPECT_EQ(q.next(), Time::from_ms(10));
  EXPECT_FALSE(q.pop_due(Time::from_ms(9)).has_value());
  auto a = q.pop_due(Time::from_ms(30));
  auto b = q.pop_due(Time::from_ms(30));
  auto c = q.pop_due(Time::from_ms(30));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->target, 2u);
  EXPECT_EQ(b->target, 3u);
  EXPECT_EQ(c->target, 1u);
  EXPECT_FALSE(q.pop_due(Time::from_ms(30)).has_value());
  EXPECT_EQ(q.next(), Time::max());
}

TEST(TimerQueue, CancelRemovesAndIsIdempotent) {
  TimerQueue q;
  auto h = q.schedule(Time::from_ms(5), {TimerKind::pvt_keepalive, 7});
  EXPECT_TRUE(h.armed());
  EXPECT_EQ(q.size(), 1u);
  q.cancel(h);
  EXPECT_FALSE(h.armed());
  EXPECT_EQ(q.size(), 0u);
  q.cancel(h);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.pop_due(Time::from_ms(100)).has_value());
}


TEST(TimerQueue, HandleIsSmall) {
  // Three per ANT per hop (issue 10).
  EXPECT_LE(sizeof(TimerHandle), 8u);
}

TEST(TimerQueue, StaleHandleDoesNotCancelTheSlotsNextTimer) {
  TimerQueue q;
  auto fired = q.schedule(Time::from_ms(1), {TimerKind::ant_life, 1});
  ASSERT_TRUE(q.pop_due(Time::from_ms(1)).has_value());
  auto cancelled = q.schedule(Time::from_ms(2), {TimerKind::ant_life, 2});
  TimerHandle copy = cancelled;
  q.cancel(cancelled);
  // Both stale handles name the slot that the next timer reuses.
  auto reused = q.schedule(Time::from_ms(3), {TimerKind::ant_setup, 3});
  q.schedule(Time::from_ms(4), {TimerKind::ant_setup, 4});
  EXPECT_EQ(reused.slot, copy.slot);
  EXPECT_EQ(reused.slot, fired.slot);
  EXPECT_EQ(q.slot_count(), 2u);
  q.cancel(fired);
  q.cancel(copy);
  EXPECT_FALSE(fired.armed());
  EXPECT_EQ(q.size(), 2u);
  auto a = q.pop_due(Time::from_ms(10));
  auto b = q.pop_due(Time::from_ms(10));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->target, 3u);
  EXPECT_EQ(b->target, 4u);
}

TEST(TimerQueue, ChurnReusesSlots) {
  TimerQueue q;
  std::vector<TimerHandle> hs;
  for (uint64_t round = 0; round < 50; ++round) {
    for (uint64_t i = 0; i < 1000; ++i)
      hs.push_back(q.schedule(Time::from_ms(static_cast<int64_t>((i * 7919) % 100)), {TimerKind::ant_life, i}));
    for (size_t i = 0; i < hs.size(); i += 2) q.cancel(hs[i]);
    while (q.pop_due(Time::from_ms(100))) {
    }
    hs.clear();
    EXPECT_EQ(q.size(), 0u);
    EXPECT_EQ(q.slot_count(), 1000u);
  }
}

// Drives the queue and a reference model (a map keyed by deadline and
// insertion order) with random schedules, cancels, cancels of stale handles
// (whose slot is likely reused by then) and pops, and checks they agree after
// every step. Deadlines fall on few distinct values, so ties are common.
TEST(TimerQueue, AgreesWithReferenceModel) {
  struct Live {
    TimerHandle h;
    std::pair<Time, uint64_t> model_key;
    uint64_t id;
  };
  std::mt19937_64 rng(20261207);
  const auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  TimerQueue q;
  std::map<std::pair<Time, uint64_t>, uint64_t> model;  // (at, seq) -> id
  std::vector<Live> live;
  std::vector<TimerHandle> stale;
  uint64_t seq = 0, next_id = 1;
  Time now{};
  size_t pops = 0, stale_cancels = 0, peak = 0;
  for (int step = 0; step < 20000; ++step) {
    const size_t op = pick(100);
    if (op < 40) {
      const Time at = now + Duration::ms(static_cast<int64_t>(pick(8)) * 5);
      const uint64_t id = next_id++;
      const TimerKind kind = static_cast<TimerKind>(pick(5));
      TimerHandle h = q.schedule(at, {kind, id});
      ASSERT_TRUE(h.armed());
      live.push_back({h, {at, seq}, id});
      model.emplace(std::make_pair(at, seq++), id);
    } else if (op < 55 && !live.empty()) {
      const size_t i = pick(live.size());
      TimerHandle copy = live[i].h;
      q.cancel(live[i].h);
      ASSERT_FALSE(live[i].h.armed());
      model.erase(live[i].model_key);
      stale.push_back(copy);
      live[i] = live.back();
      live.pop_back();
    } else if (op < 70 && !stale.empty()) {
      TimerHandle h = stale[pick(stale.size())];
      q.cancel(h);
      ASSERT_FALSE(h.armed());
      ++stale_cancels;
    } else if (op < 75) {
      TimerHandle none;
      q.cancel(none);
    } else {
      if (pick(3) == 0) now = now + Duration::ms(static_cast<int64_t>(pick(12)));
      auto k = q.pop_due(now);
      if (model.empty() || model.begin()->first.first > now) {
        ASSERT_FALSE(k.has_value()) << "step " << step;
      } else {
        ASSERT_TRUE(k.has_value()) << "step " << step;
        ASSERT_EQ(k->target, model.begin()->second) << "step " << step;
        model.erase(model.begin());
        for (size_t i = 0; i < live.size(); ++i) {
          if (live[i].id != k->target) continue;
          stale.push_back(live[i].h);  // fired: the caller's handle is stale
          live[i] = live.back();
          live.pop_back();
          break;
        }
        ++pops;
      }
    }
    ASSERT_EQ(q.size(), model.size()) << "step " << step;
    ASSERT_EQ(q.next(), model.empty() ? Time::max() : model.begin()->first.first) << "step " << step;
    peak = std::max(peak, model.size());
  }
  // The run exercised what it claims to.
  EXPECT_GT(pops, 3000u);
  EXPECT_GT(stale_cancels, 1000u);
  EXPECT_EQ(q.slot_count(), peak);
  // Drain: the same order to the end.
  while (!model.empty()) {
    auto k = q.pop_due(Time::max());
    ASSERT_TRUE(k.has_value());
    ASSERT_EQ(k->target, model.begin()->second);
    model.erase(model.begin());
  }
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.pop_due(Time::max()).has_value());
}

}  // namespace
}  // namespace ainet::core
