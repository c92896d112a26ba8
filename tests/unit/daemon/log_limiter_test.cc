#include "daemon/log_limiter.h"

#include <gtest/gtest.h>

namespace ainet::daemon {
namespace {

TEST(LogLimiter, BurstThenOnePerPeriodAndCountsSuppressed) {
  LogLimiter lim(3, Duration::s(1));
  uint64_t sup = 99;
  Time t = Time::from_s(100);
  EXPECT_TRUE(lim.allow(t, sup));
  EXPECT_EQ(sup, 0u);
  EXPECT_TRUE(lim.allow(t, sup));
  EXPECT_TRUE(lim.allow(t, sup));
  EXPECT_FALSE(lim.allow(t, sup));
  EXPECT_FALSE(lim.allow(t + Duration::ms(999), sup));
  EXPECT_TRUE(lim.allow(t + Duration::ms(1000), sup));
  EXPECT_EQ(sup, 2u);  // the two refused lines are reported once
  EXPECT_FALSE(lim.allow(t + Duration::ms(1500), sup));
  // A long quiet spell refills to the burst, not beyond.
  Time later = t + Duration::s(3600);
  EXPECT_TRUE(lim.allow(later, sup));
  EXPECT_EQ(sup, 1u);
  EXPECT_TRUE(lim.allow(later, sup));
  EXPECT_TRUE(lim.allow(later, sup));
  EXPECT_FALSE(lim.allow(later, sup));
}

}  // namespace
}  // namespace ainet::daemon
