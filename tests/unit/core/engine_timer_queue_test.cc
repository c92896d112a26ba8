#include <gtest/gtest.h>

#include "core/timer_queue.h"

namespace ainet::core {
namespace {

TEST(TimerQueue, FiresInDeadlineThenInsertionOrder) {
  TimerQueue q;
  q.schedule(Time::from_ms(20), {TimerKind::ant_idle, 1});
  q.schedule(Time::from_ms(10), {TimerKind::ant_setup, 2});
  q.schedule(Time::from_ms(10), {TimerKind::ant_expiry, 3});
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

}  // namespace
}  // namespace ainet::core
