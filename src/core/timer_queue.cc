#include "core/timer_queue.h"

namespace ainet::core {

TimerHandle TimerQueue::schedule(Time at, TimerKey key) {
  TimerHandle h{at, next_seq_++};
  timers_.emplace(std::make_pair(h.at, h.seq), key);
  return h;
}

void TimerQueue::cancel(TimerHandle& h) {
  if (h.armed()) timers_.erase(std::make_pair(h.at, h.seq));
  h = TimerHandle{};
}

std::optional<TimerKey> TimerQueue::pop_due(Time now) {
  if (timers_.empty()) return std::nullopt;
  auto it = timers_.begin();
  if (it->first.first > now) return std::nullopt;
  TimerKey k = it->second;
  timers_.erase(it);
  return k;
}

Time TimerQueue::next() const {
  return timers_.empty() ? Time::max() : timers_.begin()->first.first;
}

}  // namespace ainet::core
