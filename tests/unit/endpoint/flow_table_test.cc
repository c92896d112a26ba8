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
  EXPECT_TRUE(t.record(v4(7, 2)));
  EXPECT_TRUE(t.record(v4(7, 2)));
  EXPECT_TRUE(t.record(v4(7, 3)));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(pairs(t), (std::set<std::string>{"10.99.0.7>10.200.4.2", "10.99.0.7>10.200.4.3"}));
}

TEST(FlowTable, ReadsIpv6Pairs) {
  FlowTable t(4);
  Bytes p(48, 0);
  p[0] = 0x60;
  p[8] = 0xfd, p[23] = 5;   // fd00::5
  p[24] = 0xfd, p[39] = 9;  // fd00::9
  EXPECT_TRUE(t.record(p));
  EXPECT_EQ(pairs(t), (std::set<std::string>{"fd00::5>fd00::9"}));
}

TEST(FlowTable, RefusesShortOrNonIpAndCountsOverflow) {
  FlowTable t(2);
  EXPECT_FALSE(t.record(Bytes{}));
  EXPECT_FALSE(t.record(Bytes(19, 0x45)));
  EXPECT_FALSE(t.record(Bytes(40, 0x00)));
  EXPECT_TRUE(t.record(v4(1, 1)));
  EXPECT_TRUE(t.record(v4(2, 2)));
  EXPECT_FALSE(t.record(v4(3, 3)));
  EXPECT_TRUE(t.record(v4(1, 1)));  // a known pair still matches when full
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
  EXPECT_TRUE(t.record(sized_v4(7, 2, 100)));
  EXPECT_TRUE(t.record(sized_v4(7, 2, 50)));
  EXPECT_TRUE(t.record(sized_v4(7, 3, 28)));
  // A reply: 10.200.4.2 -> 10.99.0.7 answers the pair 10.99.0.7 -> 10.200.4.2.
  Bytes reply(40, 0);
  reply[0] = 0x45;
  reply[12] = 10, reply[13] = 200, reply[14] = 4, reply[15] = 2;
  reply[16] = 10, reply[17] = 99, reply[18] = 0, reply[19] = 7;
  EXPECT_TRUE(t.count_reply(reply));
  // Traffic from a pair never sent is not listed.
  EXPECT_FALSE(t.count_reply(sized_v4(9, 9, 40)));
  EXPECT_FALSE(t.count_reply(Bytes(10, 0x45)));
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
}  // namespace ainet::endpoint
