// The clock of one shaped flow (one direction of an ANT, or of a customer
// link): when its next cell leaves, and, for the adaptive profile, at which
// rate. It only decides *when*; what goes out in a slot (the oldest queued
// real datagram, else a dummy) is the caller's choice, so a real cell and a
// dummy leave on the same grid and cannot be told apart by their timing.
//
// Sans-I/O: every call takes `now`; the random phase comes from the caller.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/shaping_profile.h"
#include "util/time.h"

namespace ainet::core {

struct FlowShaper {
  // A scheduler that woke up late sends at most this many slots back to back
  // to catch up, then re-anchors the grid at `now` (the missed slots are
  // counted). A short burst keeps the long-run rate exact after a brief
  // stall; a long stall must not turn into a burst that marks the flow.
  static constexpr int kMaxCatchUp = 2;

  Time next{};          // the next slot
  Time interval_end{};  // adaptive: the level may change at this time
  uint8_t level = 0;    // index into ShapingProfile::levels
  uint32_t offered = 0; // real datagrams offered in this interval (sent, queued or dropped)
  uint64_t real_sent = 0, dummy_sent = 0, queue_drops = 0, missed_slots = 0;
  uint32_t level_changes = 0;

  // The first slot is `phase` (< one period, chosen at random by the caller
  // so flows started together do not send in lockstep) after now. Adaptive
  // flows start at the lowest level.
  void start(const ShapingProfile& p, Time now, Duration phase);
  // Called when a slot was used (now >= next): moves to the next slot, and at
  // an interval boundary picks the level for the next interval from the
  // demand of the one that ended plus what still waits (`backlog`).
  void advance(const ShapingProfile& p, Time now, size_t backlog);
  // A real datagram arrived for this flow (counted as demand even if the
  // queue then refuses it).
  void offer() { ++offered; }
  uint32_t rate(const ShapingProfile& p) const { return p.levels[level]; }
};

// The level an adaptive flow uses next: the lowest whose capacity over one
// interval covers `demand` cells, else the highest.
uint8_t pick_level(const ShapingProfile& p, uint64_t demand);

}  // namespace ainet::core
