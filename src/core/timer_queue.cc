#include "core/timer_queue.h"

namespace ainet::core {

namespace {
constexpr size_t kArity = 4;
}

TimerHandle TimerQueue::schedule(Time at, TimerKey key) {
  uint32_t s;
  if (free_ != kNone) {
    s = free_;
    free_ = slots_[s].pos;
  } else {
    s = static_cast<uint32_t>(slots_.size());
    slots_.push_back({0, 0, 1});
  }
  slots_[s].target = key.target;
  heap_.push_back({});
  sift_up(heap_.size() - 1, {at, next_seq_++, s, key.kind});
  return {s, slots_[s].gen};
}

void TimerQueue::cancel(TimerHandle& h) {
  if (h.armed() && h.slot < slots_.size() && slots_[h.slot].gen == h.gen) remove_at(slots_[h.slot].pos);
  h = TimerHandle{};
}

std::optional<TimerKey> TimerQueue::pop_due(Time now) {
  if (heap_.empty() || heap_.front().at > now) return std::nullopt;
  const Entry& top = heap_.front();
  TimerKey k{top.kind, slots_[top.slot].target};
  remove_at(0);
  return k;
}

void TimerQueue::sift_up(size_t i, Entry e) {
  while (i > 0) {
    const size_t p = (i - 1) / kArity;
    if (!before(e, heap_[p])) break;
    put(i, heap_[p]);
    i = p;
  }
  put(i, e);
}

void TimerQueue::sift_down(size_t i, Entry e) {
  const size_t n = heap_.size();
  for (;;) {
    const size_t first = i * kArity + 1;
    if (first >= n) break;
    const size_t end = first + kArity < n ? first + kArity : n;
    size_t best = first;
    for (size_t c = first + 1; c < end; ++c)
      if (before(heap_[c], heap_[best])) best = c;
    if (!before(heap_[best], e)) break;
    put(i, heap_[best]);
    i = best;
  }
  put(i, e);
}

void TimerQueue::remove_at(size_t i) {
  Slot& s = slots_[heap_[i].slot];
  // A new generation makes every handle to this slot stale. One that would
  // wrap to 0 (never issued) retires the slot instead: reusing it could let
  // a handle 2^32 generations old match again.
  if (++s.gen != 0) {
    s.pos = free_;
    free_ = heap_[i].slot;
  }
  const Entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  // The last entry fills the hole: it may belong above or below it.
  if (i > 0 && before(last, heap_[(i - 1) / kArity]))
    sift_up(i, last);
  else
    sift_down(i, last);
}

}  // namespace ainet::core
