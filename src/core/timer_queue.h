// Deadlines of the sans-I/O engine (ANT setup timeout, hard expiry,
// inactivity check, PVT keepalive). The engine never reads a clock: it asks
// next() for the earliest deadline and the caller calls handle_timers(now).
//
// Timers are cancelled explicitly (never left to expire lazily) so that after
// an ANT is torn down no timer for it remains: state_size() stays exact.
// Inserting allocates one tree node; that happens at ANT setup and when a
// timer fires, never per data packet.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "util/time.h"

namespace ainet::core {

enum class TimerKind : uint8_t {
  ant_setup,      // entrance: CREATED did not come back in time
  ant_expiry,     // hard lifetime reached (every hop)
  ant_idle,       // inactivity check (every hop); re-armed if there was traffic
  pvt_keepalive,  // send KEEPALIVE on a PVT and check its liveness
  cover,          // top up the cover ANTs on this AIN's PVT links
};

struct TimerKey {
  TimerKind kind{};
  uint64_t target = 0;  // ANT handle or PVT index
  bool operator==(const TimerKey&) const = default;
};

// Identifies one scheduled timer so it can be cancelled; a default-constructed
// handle is "not scheduled".
struct TimerHandle {
  Time at{};
  uint64_t seq = 0;
  bool armed() const { return seq != 0; }
};

class TimerQueue {
 public:
  TimerHandle schedule(Time at, TimerKey key);
  // Cancels a timer if it is still scheduled; resets the handle. Idempotent.
  void cancel(TimerHandle& h);
  // Removes and returns the earliest timer due at or before now.
  std::optional<TimerKey> pop_due(Time now);
  // Earliest deadline, or Time::max() when nothing is scheduled.
  Time next() const;
  size_t size() const { return timers_.size(); }

 private:
  // Ordered by (deadline, insertion sequence): equal deadlines fire in the
  // order they were scheduled, so runs are deterministic.
  std::map<std::pair<Time, uint64_t>, TimerKey> timers_;
  uint64_t next_seq_ = 1;
};

}  // namespace ainet::core
