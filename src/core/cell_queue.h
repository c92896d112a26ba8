// Real datagrams waiting for their flow's next shaping slot.
//
// One pool of fixed-size slots per engine, sized once at start, shared by
// every shaped flow; each flow holds only a tiny FIFO head (a linked list of
// slot indices through the pool). So a shaped ANT costs 12 bytes of queue
// state however long its queue may grow, memory is bounded by the pool, and
// queuing copies a datagram but never allocates.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/bytes.h"

namespace ainet::core {

class CellQueuePool {
 public:
  static constexpr uint32_t kNil = UINT32_MAX;

  // The per-flow part: head/tail slot and length.
  struct Fifo {
    uint32_t head = kNil, tail = kNil;
    uint32_t size = 0;
    bool empty() const { return size == 0; }
  };

  CellQueuePool() = default;
  // `slots` datagrams of at most `slot_bytes` each, shared by all flows.
  CellQueuePool(size_t slots, size_t slot_bytes);

  // Appends a copy of d. False (the caller drops and counts) when the pool
  // has no free slot or d is larger than a slot.
  bool push(Fifo& f, ByteSpan d);
  // The oldest datagram of a non-empty FIFO.
  ByteSpan front(const Fifo& f) const;
  MutByteSpan front(const Fifo& f);
  void pop(Fifo& f);
  // Returns every slot of f to the pool.
  void clear(Fifo& f);

  size_t capacity() const { return lens_.size(); }
  size_t in_use() const { return in_use_; }
  size_t slot_bytes() const { return slot_bytes_; }

 private:
  Bytes storage_;
  std::vector<uint16_t> lens_;
  std::vector<uint32_t> next_;  // FIFO links and the free list
  uint32_t free_ = kNil;
  size_t slot_bytes_ = 0;
  size_t in_use_ = 0;
};

}  // namespace ainet::core
