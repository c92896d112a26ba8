#include "io/clock.h"

#include <gtest/gtest.h>
#include <time.h>

namespace ainet::io {
namespace {

TEST(Clock, MonotonicMatchesClockMonotonicAndAdvances) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const int64_t before = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  Time a = monotonic_now();
  timespec pause{0, 2'000'000};
  nanosleep(&pause, nullptr);
  Time b = monotonic_now();
  EXPECT_GE(a.ns, before);
  EXPECT_LT(a.ns - before, 1'000'000'000LL);  // same clock, not e.g. CLOCK_REALTIME
  EXPECT_GE((b - a).ns, 2'000'000);
}

TEST(Clock, UnixSecondsIsWallClock) {
  EXPECT_GT(unix_seconds_now(), 1'700'000'000);  // after Nov 2023
  EXPECT_NEAR(static_cast<double>(unix_seconds_now()), static_cast<double>(time(nullptr)), 2.0);
}

}  // namespace
}  // namespace ainet::io
