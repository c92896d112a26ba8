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
