// The next shaping slot of every shaped flow, earliest first.
//
// The engine's TimerQueue fires a timer once and takes a new schedule() (a
// fresh handle) per firing, fine for set-up and expiry timers; a flow's slot
// moves once per cell and is looked up by flow, so it is kept here instead.
// This is an indexed binary min-heap: after a flow is added, moving its slot
// (the per-cell operation) only swaps entries in place and never allocates,
// and a flow can be removed at teardown so no entry outlives its ANT.
// Equal times pop in key order, so runs are deterministic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "util/time.h"

namespace ainet::core {

class SlotSchedule {
 public:
  // Adds a flow or moves it if present.
  void set(uint64_t key, Time at);
  void remove(uint64_t key);
  bool contains(uint64_t key) const { return pos_.count(key) != 0; }
  // The earliest flow due at or before now (it stays scheduled: the caller
  // moves it with set() or removes it).
  std::optional<uint64_t> due(Time now) const;
  Time next() const { return heap_.empty() ? Time::max() : heap_.front().at; }
  size_t size() const { return heap_.size(); }
  void reserve(size_t n) {
    heap_.reserve(n);
    pos_.reserve(n);
  }

 private:
  struct Entry {
    Time at;
    uint64_t key;
    bool before(const Entry& o) const { return at < o.at || (at == o.at && key < o.key); }
  };
  void sift_up(size_t i);
  void sift_down(size_t i);
  void place(size_t i, const Entry& e);

  std::vector<Entry> heap_;
  std::unordered_map<uint64_t, size_t> pos_;
};

}  // namespace ainet::core
