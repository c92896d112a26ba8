// Datagrams an entrance holds while their ANT is being built (bounded,
// EngineConfig::pending_queue datagrams of at most max_datagram bytes).
//
// The storage grows with what is queued (each datagram behind a 2-byte
// length) instead of being sized for `slots` full-size datagrams up front:
// with the default 8 slots that was ~11 KB per ANT under construction, held
// until CREATED came back, and a burst of set-ups left it behind as heap
// holes (issue 10: RSS per ANT). A push may therefore allocate, but at most
// a few times per ANT set-up (geometric growth, bounded by slots), never on
// the data path of an ANT that is up.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "util/bytes.h"

namespace ainet::core {

class PendingQueue {
 public:
  PendingQueue() = default;
  PendingQueue(size_t slots, size_t max_datagram)
      : slots_(static_cast<uint32_t>(slots)),
        max_(static_cast<uint32_t>(max_datagram < kMaxLen ? max_datagram : kMaxLen)) {}

  // False (the caller drops and counts) when full or the datagram is too big.
  bool push(ByteSpan d) {
    if (count_ == slots_ || d.size() > max_) return false;
    const size_t at = storage_.size();
    storage_.resize(at + 2 + d.size());
    storage_[at] = static_cast<uint8_t>(d.size() >> 8);
    storage_[at + 1] = static_cast<uint8_t>(d.size());
    if (!d.empty()) std::memcpy(&storage_[at + 2], d.data(), d.size());
    ++count_;
    return true;
  }
  size_t size() const { return count_; }
  // The i-th datagram (i < size()); walks at most `slots` length prefixes.
  ByteSpan at(size_t i) const {
    size_t off = 0;
    for (;; --i) {
      const size_t len = (size_t{storage_[off]} << 8) | storage_[off + 1];
      if (i == 0) return ByteSpan(&storage_[off + 2], len);
      off += 2 + len;
    }
  }
  // Empties the queue and gives its storage back.
  void clear() {
    Bytes().swap(storage_);
    count_ = 0;
  }

 private:
  static constexpr size_t kMaxLen = 0xffff;  // what the 2-byte prefix holds
  Bytes storage_;
  uint32_t slots_ = 0, max_ = 0, count_ = 0;
};

}  // namespace ainet::core
