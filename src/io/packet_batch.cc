#include "io/packet_batch.h"

#include <cstring>
#include <utility>

namespace ainet::io {

PacketBatch::PacketBatch(size_t slots, size_t slot_size)
    : slot_size_(slot_size),
      arena_(slots * slot_size),
      control_arena_(slots * kControlSize),
      slots_(slots),
      msgs_(slots),
      iovs_(slots),
      taken_(slots),
      order_(slots) {
  for (size_t i = 0; i < slots; ++i) {
    slots_[i].data = arena_.data() + i * slot_size;
    slots_[i].control = control_arena_.data() + i * kControlSize;
  }
}

MutByteSpan PacketBatch::next_buffer() {
  if (full()) return {};
  return MutByteSpan(slots_[used_].data, slot_size_);
}

void PacketBatch::commit(size_t len, const SocketAddress& peer, const SocketAddress& local) {
  if (full() || len > slot_size_) return;
  Slot& s = slots_[used_++];
  s.len = len;
  s.segment_size = 0;
  s.peer = peer;
  s.local = local;
}

bool PacketBatch::push(ByteSpan packet, const SocketAddress& peer, const SocketAddress& local) {
  if (full() || packet.size() > slot_size_) return false;
  if (!packet.empty()) std::memcpy(slots_[used_].data, packet.data(), packet.size());
  commit(packet.size(), peer, local);
  return true;
}

void PacketBatch::swap_slots(size_t a, size_t b) { std::swap(slots_[a], slots_[b]); }

}  // namespace ainet::io
