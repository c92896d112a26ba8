// FlowTable: remembers each inner pair once, bounded, for DESTROY on shutdown.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "endpoint/flow_table.h"

namespace ainet::endpoint {
namespace {

Bytes v4(uint8_t src_last, uint8_t dst_last) {
  Bytes p(28, 0);
  p[0] = 0x45;
  p[12] = 10, p[13] = 99, p[14] = 0, p[15] = src_last;
  p[16] = 10, p[17] = 200, p[18] = 4, p[19] = dst_last;
  return p;
}

std::set<std::string> pairs(const FlowTable& t) {
  std::set<std::string> out;
  t.for_each([&](const FlowPair& p) { out.insert(p.src.to_string() + ">" + p.dst.to_string()); });
  return out;
}

TEST(FlowTable, RecordsEachPairOnce) {
  FlowTable t(8);
  EXPECT_TRUE(t.record(v4(7, 2), Time{}));
  EXPECT_TRUE(t.record(v4(7, 2), Time{}));
  EXPECT_TRUE(t.record(v4(7, 3), Time{}));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(pairs(t), (std::set<std::string>{"10.99.0.7>10.200.4.2", "10.99.0.7>10.200.4.3"}));
}

TEST(FlowTable, ReadsIpv6Pairs) {
  FlowTable t(4);
  Bytes p(48, 0);
  p[0] = 0x60;
  p[8] = 0xfd, p[23] = 5;   // fd00::5
  p[24] = 0xfd, p[39] = 9;  // fd00::9
  EXPECT_TRUE(t.record(p, Time{}));
  EXPECT_EQ(pairs(t), (std::set<std::string>{"fd00::5>fd00::9"}));
}

TEST(FlowTable, RefusesShortOrNonIpAndCountsOverflow) {
  FlowTable t(2);
  EXPECT_FALSE(t.record(Bytes{}, Time{}));
  EXPECT_FALSE(t.record(Bytes(19, 0x45), Time{}));
  EXPECT_FALSE(t.record(Bytes(40, 0x00), Time{}));
  EXPECT_TRUE(t.record(v4(1, 1), Time{}));
  EXPECT_TRUE(t.record(v4(2, 2), Time{}));
  EXPECT_FALSE(t.record(v4(3, 3), Time{}));
  EXPECT_TRUE(t.record(v4(1, 1), Time{}));  // a known pair still matches when full
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.overflow(), 1u);
}

}  // namespace
}  // namespace ainet::endpoint

namespace ainet::endpoint {
namespace {

// An IPv4 datagram of `len` (>= 20) bytes from 10.99.0.x to 10.200.4.y.
Bytes sized_v4(uint8_t src_last, uint8_t dst_last, size_t len) {
  Bytes p(len, 0);
  p[0] = 0x45;
  p[12] = 10, p[13] = 99, p[14] = 0, p[15] = src_last;
  p[16] = 10, p[17] = 200, p[18] = 4, p[19] = dst_last;
  return p;
}

TEST(FlowTable, CountsPacketsAndBytesBothWaysPerPair) {
  FlowTable t(8);
  EXPECT_TRUE(t.record(sized_v4(7, 2, 100), Time{}));
  EXPECT_TRUE(t.record(sized_v4(7, 2, 50), Time{}));
  EXPECT_TRUE(t.record(sized_v4(7, 3, 28), Time{}));
  // A reply: 10.200.4.2 -> 10.99.0.7 answers the pair 10.99.0.7 -> 10.200.4.2.
  Bytes reply(40, 0);
  reply[0] = 0x45;
  reply[12] = 10, reply[13] = 200, reply[14] = 4, reply[15] = 2;
  reply[16] = 10, reply[17] = 99, reply[18] = 0, reply[19] = 7;
  EXPECT_TRUE(t.count_reply(reply, Time{}));
  // Traffic from a pair never sent is not listed.
  EXPECT_FALSE(t.count_reply(sized_v4(9, 9, 40), Time{}));
  EXPECT_FALSE(t.count_reply(Bytes(10, 0x45), Time{}));
  EXPECT_EQ(t.size(), 2u);
  size_t seen = 0;
  t.for_each([&](const FlowPair& p) {
    ++seen;
    if (p.dst.to_string() == "10.200.4.2") {
      EXPECT_EQ(p.packets_out, 2u);
      EXPECT_EQ(p.bytes_out, 150u);
      EXPECT_EQ(p.packets_in, 1u);
      EXPECT_EQ(p.bytes_in, 40u);
    } else {
      EXPECT_EQ(p.packets_out, 1u);
      EXPECT_EQ(p.bytes_out, 28u);
      EXPECT_EQ(p.packets_in, 0u);
    }
  });
  EXPECT_EQ(seen, 2u);
}

}  // namespace
// Aging: a pair with no datagram either way for the idle time goes; a reply
// keeps a pair alive as much as a datagram sent.
TEST(FlowTable, IdlePairsAgeOutAndRepliesKeepAPairAlive) {
  FlowTable t(16);
  const Time t0 = Time::from_s(100);
  ASSERT_TRUE(t.record(v4(1, 1), t0));
  ASSERT_TRUE(t.record(v4(2, 2), t0));
  ASSERT_TRUE(t.record(v4(3, 3), t0 + Duration::s(50)));
  Bytes reply = v4(1, 1);  // 10.200.4.1 -> 10.99.0.1 answers pair 1
  std::swap_ranges(reply.begin() + 12, reply.begin() + 16, reply.begin() + 16);
  ASSERT_TRUE(t.count_reply(reply, t0 + Duration::s(90)));

  EXPECT_EQ(t.expire(t0 + Duration::s(119), Duration::s(120)), 0u);
  EXPECT_EQ(t.expire(t0 + Duration::s(120), Duration::s(120)), 1u);  // pair 2: idle exactly 120 s
  EXPECT_EQ(pairs(t), (std::set<std::string>{"10.99.0.1>10.200.4.1", "10.99.0.3>10.200.4.3"}));
  EXPECT_EQ(t.expire(t0 + Duration::s(210), Duration::s(120)), 2u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.expired(), 3u);
  // The slots are free again: a full table takes new pairs after aging.
  FlowTable small(2);
  ASSERT_TRUE(small.record(v4(1, 1), t0));
  ASSERT_TRUE(small.record(v4(2, 2), t0));
  EXPECT_FALSE(small.record(v4(3, 3), t0));
  EXPECT_EQ(small.expire(t0 + Duration::s(5), Duration::s(5)), 2u);
  EXPECT_TRUE(small.record(v4(3, 3), t0 + Duration::s(5)));
}

// Removal inside a run of collided entries must not hide the entries after
// it (backward-shift deletion): with a tiny table every pair collides, and
// after removing any subset every remaining pair is still found, counted,
// and not inserted twice.
TEST(FlowTable, RemovalKeepsEveryOtherPairFindable) {
  const size_t n = 7;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    FlowTable t(n);
    const Time t0 = Time::from_s(10);
    for (uint8_t i = 0; i < n; ++i)
      ASSERT_TRUE(t.record(v4(i, static_cast<uint8_t>(i * 3)), (mask >> i) & 1 ? t0 : t0 + Duration::s(100)));
    EXPECT_EQ(t.expire(t0 + Duration::s(50), Duration::s(50)), static_cast<size_t>(__builtin_popcount(mask)));
    for (uint8_t i = 0; i < n; ++i) {
      if ((mask >> i) & 1) continue;
      ASSERT_TRUE(t.record(v4(i, static_cast<uint8_t>(i * 3)), t0 + Duration::s(101)));
    }
    size_t listed = 0;
    t.for_each([&](const FlowPair& p) {
      ++listed;
      EXPECT_EQ(p.packets_out, 2u) << p.src.to_string() << " mask " << mask;  // found again, not re-added
    });
    EXPECT_EQ(listed, n - static_cast<size_t>(__builtin_popcount(mask)));
    EXPECT_EQ(t.size(), listed);
  }
}

}  // namespace ainet::endpoint
