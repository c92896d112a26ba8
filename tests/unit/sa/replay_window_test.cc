// Anti-replay window (RFC 4303 §3.4.3, Appendix A2) at its edges.
#include "sa/replay_window.h"

#include <gtest/gtest.h>

namespace ainet::sa {
namespace {

// check() then, if accepted, update() -- what an SA does for an authentic packet.
Errc receive(ReplayWindow& w, uint32_t seq_lo, uint64_t* full = nullptr) {
  auto r = w.check(seq_lo);
  if (!r) return r.error();
  if (full) *full = *r;
  w.update(*r);
  return Errc::ok;
}

TEST(ReplayWindow, RejectsBadSizes) {
  EXPECT_EQ(ReplayWindow::create(0, false).error(), Errc::invalid_argument);
  EXPECT_EQ(ReplayWindow::create(32, false).error(), Errc::invalid_argument);
  EXPECT_EQ(ReplayWindow::create(100, false).error(), Errc::invalid_argument);
  EXPECT_EQ(ReplayWindow::create(kMaxReplayWindow + 64, false).error(), Errc::invalid_argument);
  EXPECT_EQ(ReplayWindow::create(64, false, uint64_t{1} << 32).error(), Errc::invalid_argument);
  EXPECT_TRUE(ReplayWindow::create(64, false));
  EXPECT_TRUE(ReplayWindow::create(kMaxReplayWindow, true));
  EXPECT_EQ(ReplayWindow::create(kDefaultReplayWindow, false)->size(), 1024u);
}

struct Step {
  uint32_t seq;
  Errc expect;
};

// One table per window size: the same edges must hold for every size.
class ReplayWindowEdges : public ::testing::TestWithParam<uint32_t> {};

TEST_P(ReplayWindowEdges, TableAtTheEdges) {
  const uint32_t w = GetParam();
  auto win = ReplayWindow::create(w, false);
  ASSERT_TRUE(win);
  const uint32_t top = w + 1000;  // far enough right that the left edge is > 0
  const Step steps[] = {
      {0, Errc::stale},              // seq 0 is never sent (RFC 4303 §3.3.3)
      {1, Errc::ok},                 // first packet
      {1, Errc::replay},             // duplicate of the first
      {top, Errc::ok},               // jump forward
      {top, Errc::replay},           // duplicate at the right edge
      {top - w + 1, Errc::ok},       // oldest position still inside the window
      {top - w + 1, Errc::replay},   // ... and now seen
      {top - w, Errc::stale},        // exactly window-size back: left of the window
      {top - w - 1, Errc::stale},    // window-size + 1 back
      {1, Errc::stale},              // the first packet is now far left
      {top - 1, Errc::ok},           // in-window, unseen
      {top + 1, Errc::ok},           // next in order
      {top - w + 1, Errc::stale},    // the window moved by one
      {top - w + 2, Errc::ok},       // new oldest position
      {0xFFFFFFFFu, Errc::ok},       // huge jump forward
      {top + 1, Errc::stale},        // everything before is now stale
      {0xFFFFFFFFu - w + 1, Errc::ok},  // a jump clears the bitmap: unseen inside
      {0xFFFFFFFFu - 1, Errc::ok},
      {0xFFFFFFFFu - 1, Errc::replay},
      {0, Errc::stale},
  };
  for (size_t i = 0; i < std::size(steps); ++i) {
    EXPECT_EQ(receive(*win, steps[i].seq), steps[i].expect)
        << "step " << i << " seq " << steps[i].seq << " window " << w;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReplayWindowEdges, ::testing::Values(64u, 128u, 1024u, 65536u));

TEST(ReplayWindow, CheckDoesNotChangeState) {
  auto w = ReplayWindow::create(64, false);
  ASSERT_TRUE(w);
  // Many pre-checks of forged high numbers must not move the window.
  for (uint32_t s = 1000; s < 1100; ++s) ASSERT_TRUE(w->check(s));
  EXPECT_EQ(w->top(), 0u);
  EXPECT_EQ(receive(*w, 5), Errc::ok);
  EXPECT_EQ(receive(*w, 4), Errc::ok);
  EXPECT_EQ(w->top(), 5u);
}

TEST(ReplayWindow, EveryPositionInTheWindowIsTrackedOnce) {
  auto w = ReplayWindow::create(128, false);
  ASSERT_TRUE(w);
  ASSERT_EQ(receive(*w, 1000), Errc::ok);
  // Receive the whole window in reverse; each is new once, then a replay.
  for (uint32_t s = 999; s > 1000 - 128; --s) ASSERT_EQ(receive(*w, s), Errc::ok) << s;
  for (uint32_t s = 1000; s > 1000 - 128; --s) ASSERT_EQ(receive(*w, s), Errc::replay) << s;
  EXPECT_EQ(receive(*w, 1000 - 128), Errc::stale);
  // Sliding by 64 forgets exactly the 64 leftmost entries and frees 64 new ones.
  ASSERT_EQ(receive(*w, 1064), Errc::ok);
  for (uint32_t s = 1001; s < 1064; ++s) ASSERT_EQ(receive(*w, s), Errc::ok) << s;
  for (uint32_t s = 937; s <= 1000; ++s) ASSERT_EQ(receive(*w, s), Errc::replay) << s;
  EXPECT_EQ(receive(*w, 936), Errc::stale);
}

TEST(ReplayWindow, InitialOffsetRejectsEverythingUpToIt) {
  auto w = ReplayWindow::create(64, false, 5000);
  ASSERT_TRUE(w);
  EXPECT_EQ(receive(*w, 5000), Errc::stale);
  EXPECT_EQ(receive(*w, 4990), Errc::stale);
  EXPECT_EQ(receive(*w, 1), Errc::stale);
  EXPECT_EQ(receive(*w, 5001), Errc::ok);
}

TEST(ReplayWindowEsn, HighBitsIncrementWhenLowWraps) {
  const uint32_t W = 64;
  auto w = ReplayWindow::create(W, true, 0xFFFFFFF0u);
  ASSERT_TRUE(w);
  uint64_t full = 0;
  ASSERT_EQ(receive(*w, 0xFFFFFFFEu, &full), Errc::ok);
  EXPECT_EQ(full, 0xFFFFFFFEu);
  ASSERT_EQ(receive(*w, 0xFFFFFFFFu, &full), Errc::ok);
  EXPECT_EQ(full, 0xFFFFFFFFu);
  // Low bits wrap to 0: the packet belongs to epoch 1 (RFC 4303 A2.2 case A).
  ASSERT_EQ(receive(*w, 0, &full), Errc::ok);
  EXPECT_EQ(full, uint64_t{1} << 32);
  ASSERT_EQ(receive(*w, 5, &full), Errc::ok);
  EXPECT_EQ(full, (uint64_t{1} << 32) + 5);
  EXPECT_EQ(w->top(), (uint64_t{1} << 32) + 5);
  // Late packets from the previous epoch within the window: case B infers
  // seq_hi - 1 and accepts them once.
  ASSERT_EQ(receive(*w, 0xFFFFFFFDu, &full), Errc::ok);
  EXPECT_EQ(full, 0xFFFFFFFDu);
  EXPECT_EQ(receive(*w, 0xFFFFFFFEu), Errc::replay);
  EXPECT_EQ(receive(*w, 0xFFFFFFFFu), Errc::replay);
  EXPECT_EQ(receive(*w, 0), Errc::replay);
  ASSERT_EQ(receive(*w, 3, &full), Errc::ok);
  EXPECT_EQ(full, (uint64_t{1} << 32) + 3);
  // Previous epoch but left of the window: stale (its inferred number is old).
  auto left = w->check(0xFFFFFFFFu - (W - 8));
  EXPECT_EQ(left.error(), Errc::stale);
  EXPECT_EQ(w->top(), (uint64_t{1} << 32) + 5);
}

TEST(ReplayWindowEsn, LowBelowWindowMeansNextEpoch) {
  // Case A with a window well inside an epoch: a low value below the window
  // is read as the next epoch (a jump forward), not as stale.
  auto w = ReplayWindow::create(64, true);
  ASSERT_TRUE(w);
  ASSERT_EQ(receive(*w, 1000), Errc::ok);
  auto r = w->check(10);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (uint64_t{1} << 32) + 10);
  // Within the window it is the same epoch.
  EXPECT_EQ(*w->check(990), 990u);
}

TEST(ReplayWindowEsn, FirstEpochHasNoPreviousEpoch) {
  auto w = ReplayWindow::create(64, true);
  ASSERT_TRUE(w);
  ASSERT_EQ(receive(*w, 3), Errc::ok);
  // Case B with seq_hi 0: a value "before 0" is impossible, hence stale.
  EXPECT_EQ(w->check(0xFFFFFFF0u).error(), Errc::stale);
  EXPECT_EQ(w->check(0).error(), Errc::stale);  // full seq 0 is never valid
  EXPECT_EQ(receive(*w, 2), Errc::ok);
}

TEST(ReplayWindowEsn, ManyEpochsInOrder) {
  auto w = ReplayWindow::create(1024, true);
  ASSERT_TRUE(w);
  // Walk across three low-bit wraps in big strides smaller than 2^32 - W.
  uint64_t expect = 0;
  const uint64_t stride = 0x7FFFFFFFull;
  for (int i = 0; i < 8; ++i) {
    expect += stride;
    uint64_t full = 0;
    ASSERT_EQ(receive(*w, static_cast<uint32_t>(expect), &full), Errc::ok) << i;
    ASSERT_EQ(full, expect) << i;
  }
  EXPECT_EQ(w->top() >> 32, 3u);
}


// A 64-bit window lives inside the object and a larger one in its own block
// (replay_window.h): moving either keeps every mark and leaves the source
// a default-constructed window, and assigning over a heap window frees it
// (the ASan build reports a leak or double free otherwise).
TEST(ReplayWindow, MovesKeepTheMarksOfInlineAndHeapWindows) {
  for (uint32_t size : {64u, 1024u}) {
    SCOPED_TRACE(size);
    auto made = ReplayWindow::create(size, true, 100);
    ASSERT_TRUE(made);
    ReplayWindow a = std::move(*made);
    for (uint64_t s : {101u, 103u, 140u}) a.update(s);
    ReplayWindow b(std::move(a));
    EXPECT_EQ(a.check(150).error(), Errc::invalid_argument);  // moved-from: size 0
    EXPECT_EQ(b.check(103).error(), Errc::replay);
    EXPECT_EQ(b.check(140).error(), Errc::replay);
    EXPECT_EQ(*b.check(102), 102u);
    auto big = ReplayWindow::create(2048, true);
    ASSERT_TRUE(big);
    ReplayWindow c = std::move(*big);
    c = std::move(b);
    EXPECT_EQ(c.size(), size);
    EXPECT_EQ(c.top(), 140u);
    EXPECT_EQ(c.check(101).error(), Errc::replay);
    EXPECT_EQ(b.check(150).error(), Errc::invalid_argument);
    ReplayWindow& self = c;
    c = std::move(self);  // self-move keeps the window
    EXPECT_EQ(c.check(103).error(), Errc::replay);
  }
}

}  // namespace
}  // namespace ainet::sa
