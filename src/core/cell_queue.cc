#include "core/cell_queue.h"

#include <algorithm>
#include <cstring>

namespace ainet::core {

CellQueuePool::CellQueuePool(size_t slots, size_t slot_bytes)
    : storage_(slots * slot_bytes),
      lens_(slots, 0),
      next_(slots, kNil),
      slot_bytes_(std::min<size_t>(slot_bytes, UINT16_MAX)) {
  // Free list threads every slot in order.
  for (size_t i = 0; i + 1 < slots; ++i) next_[i] = static_cast<uint32_t>(i + 1);
  free_ = slots ? 0 : kNil;
}

bool CellQueuePool::push(Fifo& f, ByteSpan d) {
  if (free_ == kNil || d.size() > slot_bytes_) return false;
  const uint32_t s = free_;
  free_ = next_[s];
  std::memcpy(&storage_[s * slot_bytes_], d.data(), d.size());
  lens_[s] = static_cast<uint16_t>(d.size());
  next_[s] = kNil;
  if (f.tail == kNil) f.head = s;
  else next_[f.tail] = s;
  f.tail = s;
  ++f.size;
  ++in_use_;
  return true;
}

ByteSpan CellQueuePool::front(const Fifo& f) const {
  return ByteSpan(&storage_[f.head * slot_bytes_], lens_[f.head]);
}

MutByteSpan CellQueuePool::front(const Fifo& f) {
  return MutByteSpan(&storage_[f.head * slot_bytes_], lens_[f.head]);
}

void CellQueuePool::pop(Fifo& f) {
  if (f.head == kNil) return;
  const uint32_t s = f.head;
  f.head = next_[s];
  if (f.head == kNil) f.tail = kNil;
  next_[s] = free_;
  free_ = s;
  --f.size;
  --in_use_;
}

void CellQueuePool::clear(Fifo& f) {
  while (!f.empty()) pop(f);
}

}  // namespace ainet::core
