// Datagrams an entrance holds while their ANT is being built (bounded,
// EngineConfig::pending_queue). The storage is sized once when the ANT is
// made, so queuing a datagram copies but never allocates.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "util/bytes.h"

namespace ainet::core {

class PendingQueue {
 public:
  PendingQueue() = default;
  PendingQueue(size_t slots, size_t max_datagram)
      : storage_(slots * max_datagram), lens_(slots, 0), max_(max_datagram) {}

  // False (the caller drops and counts) when full or the datagram is too big.
  bool push(ByteSpan d) {
    if (count_ == lens_.size() || d.size() > max_) return false;
    std::memcpy(&storage_[count_ * max_], d.data(), d.size());
    lens_[count_++] = d.size();
    return true;
  }
  size_t size() const { return count_; }
  ByteSpan at(size_t i) const { return ByteSpan(&storage_[i * max_], lens_[i]); }
  void clear() { count_ = 0; }

 private:
  Bytes storage_;
  std::vector<size_t> lens_;
  size_t max_ = 0;
  size_t count_ = 0;
};

}  // namespace ainet::core
