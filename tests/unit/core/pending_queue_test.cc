// PendingQueue (core/pending_queue.h): the datagrams an entrance holds while
// its ANT is built. Storage grows with what is queued (issue 10), so these
// check order, exact lengths, the two bounds and that clear() empties it.
#include "core/pending_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace ainet::core {
namespace {

Bytes filled(size_t n, uint8_t v) {
  return Bytes(n, v);
}

TEST(PendingQueue, KeepsOrderAndLengths) {
  PendingQueue q(4, 1400);
  const std::vector<Bytes> in = {filled(1, 0xa1), filled(0, 0), filled(1400, 0xb2),
                                 filled(300, 0xc3)};
  for (const auto& d : in) ASSERT_TRUE(q.push(d));
  ASSERT_EQ(q.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ByteSpan got = q.at(i);
    EXPECT_EQ(Bytes(got.begin(), got.end()), in[i]) << i;
  }
}

TEST(PendingQueue, RefusesWhenFullOrTooBig) {
  PendingQueue q(2, 100);
  EXPECT_FALSE(q.push(filled(101, 1)));  // longer than a slot
  EXPECT_TRUE(q.push(filled(100, 2)));
  EXPECT_TRUE(q.push(filled(3, 3)));
  EXPECT_FALSE(q.push(filled(1, 4)));  // full
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.at(1).size(), 3u);
  EXPECT_EQ(q.at(1)[0], 3);
}

TEST(PendingQueue, ClearEmptiesAndAcceptsAgain) {
  PendingQueue q(1, 64);
  ASSERT_TRUE(q.push(filled(10, 7)));
  q.clear();
  EXPECT_EQ(q.size(), 0u);
  ASSERT_TRUE(q.push(filled(5, 9)));
  EXPECT_EQ(q.at(0).size(), 5u);
  EXPECT_EQ(q.at(0)[4], 9);
}

TEST(PendingQueue, DefaultHoldsNothing) {
  PendingQueue q;
  EXPECT_FALSE(q.push(filled(1, 1)));
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace ainet::core
