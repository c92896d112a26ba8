// Deadlines of the sans-I/O engine (ANT setup timeout, hard expiry,
// inactivity check, PVT keepalive). The engine never reads a clock: it asks
// next() for the earliest deadline and the caller calls handle_timers(now).
//
// Timers are cancelled explicitly (never left to expire lazily) so that after
// an ANT is torn down no timer for it remains: state_size() stays exact.
//
// Every hop of every live ANT holds about two timers, so their cost counts
// (issue 10). They live in an indexed 4-ary min-heap held in two vectors
// rather than in a tree: a timer costs one heap entry (24 bytes) and one slot
// (16 bytes), with no node allocated per timer. The vectors grow
// geometrically and freed slots are reused through a free list, so once they
// have reached the peak number of live timers, schedule() never allocates.
// A 4-ary heap is shallower than a binary one (fewer levels to sift through
// on each pop and cancel); both are O(log n).
//
// A TimerHandle names a slot (its index) and the slot's generation when the
// timer was scheduled. The slot maps to the timer's heap position, so cancel()
// is O(log n) without a search. Freeing a slot bumps its generation, so a stale
// handle (its timer fired or was cancelled, the slot now holds another timer)
// no longer matches and cancelling it does nothing. A slot whose generation
// would wrap is retired instead of reused, so no stale handle can ever match.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "util/time.h"

namespace ainet::core {

enum class TimerKind : uint8_t {
  ant_setup,      // entrance: CREATED did not come back in time
  ant_life,       // every hop: hard lifetime reached, or an inactivity check
                  // (re-armed if there was traffic); one timer for both
  pvt_keepalive,  // send KEEPALIVE on a PVT and check its liveness
  cover,          // top up the cover ANTs on this AIN's PVT links
};

struct TimerKey {
  TimerKind kind{};
  uint64_t target = 0;  // ANT handle or PVT index
  bool operator==(const TimerKey&) const = default;
};

// Identifies one scheduled timer so it can be cancelled; a default-constructed
// handle is "not scheduled". It does not carry the deadline: nothing outside
// the queue needs it.
struct TimerHandle {
  uint32_t slot = 0;
  uint32_t gen = 0;  // generation of the slot; 0: never issued
  bool armed() const { return gen != 0; }
};

class TimerQueue {
 public:
  TimerHandle schedule(Time at, TimerKey key);
  // Cancels a timer if it is still scheduled; resets the handle. Idempotent,
  // and harmless on a handle whose timer already fired.
  void cancel(TimerHandle& h);
  // Removes and returns the earliest timer due at or before now.
  std::optional<TimerKey> pop_due(Time now);
  // Earliest deadline, or Time::max() when nothing is scheduled.
  Time next() const { return heap_.empty() ? Time::max() : heap_.front().at; }
  size_t size() const { return heap_.size(); }
  // Slots ever made: the peak number of live timers (plus retired slots).
  size_t slot_count() const { return slots_.size(); }

 private:
  // Ordered by (deadline, insertion sequence): equal deadlines fire in the
  // order they were scheduled, so runs are deterministic. The sequence is 64
  // bits so it never wraps and the order is total.
  struct Entry {
    Time at;
    uint64_t seq;
    uint32_t slot;
    TimerKind kind;  // here rather than in Slot: it fills the padding
  };
  struct Slot {
    uint64_t target;
    uint32_t pos;  // live: index in heap_; free: next free slot (kNone ends)
    uint32_t gen;  // matches the handle while live; bumped when freed
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  static bool before(const Entry& a, const Entry& b) {
    return a.at < b.at || (a.at == b.at && a.seq < b.seq);
  }
  void put(size_t i, const Entry& e) {
    heap_[i] = e;
    slots_[e.slot].pos = static_cast<uint32_t>(i);
  }
  void sift_up(size_t i, Entry e);
  void sift_down(size_t i, Entry e);
  void remove_at(size_t i);

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  uint32_t free_ = kNone;  // head of the free slot list
  uint64_t next_seq_ = 0;
};

}  // namespace ainet::core
