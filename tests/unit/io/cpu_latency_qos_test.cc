#include "io/cpu_latency_qos.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace ainet::io {
namespace {

constexpr const char* kDevice = "/dev/cpu_dma_latency";

TEST(CpuLatencyQos, AMissingDeviceIsAnErrorThatNamesIt) {
  auto r = CpuLatencyQos::request(0, "/nonexistent/cpu_dma_latency");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "open /nonexistent/cpu_dma_latency");
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_FALSE(CpuLatencyQos::current("/nonexistent/cpu_dma_latency"));
}

// The request is the binary s32 the PM QoS interface reads: written to a
// plain file, current() reads the same value back.
TEST(CpuLatencyQos, WritesTheRequestAsABinaryS32) {
  char path[] = "/tmp/ainet-qos-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    auto q = CpuLatencyQos::request(1234, path);
    ASSERT_TRUE(q) << q.error().message();
    EXPECT_EQ(q->held(), 1234);
    auto v = CpuLatencyQos::current(path);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(*v, 1234);
  }
  ::unlink(path);
  EXPECT_FALSE(CpuLatencyQos().held());
}

// A config's value: negative is no request and no complaint.
TEST(CpuLatencyQos, ANegativeConfigValueMakesNoRequest) {
  std::string refused = "stale";
  const CpuLatencyQos q = CpuLatencyQos::from_config(-1, refused);
  EXPECT_FALSE(q.held());
  EXPECT_EQ(refused, "");
}

// A value of 0..10000: the request (as root), or refused with the reason.
TEST(CpuLatencyQos, AConfigValueIsRequestedOrSaysWhyNot) {
  std::string refused;
  const CpuLatencyQos q = CpuLatencyQos::from_config(5000, refused);
  if (::access(kDevice, W_OK) == 0) {
    EXPECT_EQ(q.held(), 5000);
    EXPECT_EQ(refused, "");
  } else {
    EXPECT_FALSE(q.held());
    EXPECT_NE(refused.find(kDevice), std::string::npos) << refused;
  }
}

// On the kernel's device (root): the value in force is the smallest request,
// ours while we hold it, and the previous one again once it is dropped.
TEST(CpuLatencyQos, TheKernelHoldsTheRequestUntilItIsDropped) {
  if (::access(kDevice, W_OK) != 0) GTEST_SKIP() << kDevice << " is not writable here";
  auto before = CpuLatencyQos::current();
  ASSERT_TRUE(before) << before.error().message();
  // 1 us below whatever is in force, so the effect is visible whatever the
  // machine's other requests are (a request of 0 is already the floor).
  if (*before == 0) GTEST_SKIP() << "another process holds a 0 us request";
  const int ours = std::min(*before - 1, 777);
  {
    auto q = CpuLatencyQos::request(ours);
    ASSERT_TRUE(q) << q.error().message();
    auto during = CpuLatencyQos::current();
    ASSERT_TRUE(during) << during.error().message();
    EXPECT_EQ(*during, ours);
    CpuLatencyQos moved = std::move(q).value();  // moving keeps the request
    during = CpuLatencyQos::current();
    ASSERT_TRUE(during);
    EXPECT_EQ(*during, ours);
    EXPECT_EQ(moved.held(), ours);
  }
  auto after = CpuLatencyQos::current();
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(*after, *before);
}

}  // namespace
}  // namespace ainet::io
