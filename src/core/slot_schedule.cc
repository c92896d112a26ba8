#include "core/slot_schedule.h"

namespace ainet::core {

void SlotSchedule::place(size_t i, const Entry& e) {
  heap_[i] = e;
  pos_[e.key] = i;
}

void SlotSchedule::sift_up(size_t i) {
  const Entry e = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!e.before(heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, e);
}

void SlotSchedule::sift_down(size_t i) {
  const Entry e = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].before(heap_[child])) ++child;
    if (!heap_[child].before(e)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, e);
}

void SlotSchedule::set(uint64_t key, Time at) {
  auto it = pos_.find(key);
  if (it == pos_.end()) {
    heap_.push_back({at, key});
    pos_[key] = heap_.size() - 1;
    sift_up(heap_.size() - 1);
    return;
  }
  const size_t i = it->second;
  const Entry old = heap_[i];
  heap_[i].at = at;
  if (heap_[i].before(old)) sift_up(i);
  else sift_down(i);
}

void SlotSchedule::remove(uint64_t key) {
  auto it = pos_.find(key);
  if (it == pos_.end()) return;
  const size_t i = it->second;
  pos_.erase(it);
  const Entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last entry
  heap_[i] = last;
  pos_[last.key] = i;
  // The moved entry may belong above or below its new place.
  if (i > 0 && last.before(heap_[(i - 1) / 2])) sift_up(i);
  else sift_down(i);
}

std::optional<uint64_t> SlotSchedule::due(Time now) const {
  if (heap_.empty() || heap_.front().at > now) return std::nullopt;
  return heap_.front().key;
}

}  // namespace ainet::core
