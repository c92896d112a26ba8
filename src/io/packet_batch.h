// PacketBatch: a fixed set of preallocated packet buffers plus the
// mmsghdr/iovec/control arrays for one recvmmsg/sendmmsg call. Everything is
// allocated once in the constructor; receiving or sending never allocates.
//
// Receive:  sock.recv(batch); for i < batch.size(): use batch.packet(i), batch.peer(i).
// Send:     batch.clear(); fill with next_buffer()+commit() or push(); sock.send(batch).
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/socket_address.h"
#include "util/bytes.h"

namespace ainet::io {

class PacketBatch {
 public:
  static constexpr size_t kDefaultSlots = 64;
  static constexpr size_t kDefaultSlotSize = 2048;
  // Room for IP_PKTINFO / IPV6_PKTINFO + hop limit + traffic class +
  // UDP_SEGMENT or UDP_GRO (40 + 24 + 24 + 24 bytes at most).
  static constexpr size_t kControlSize = 128;

  explicit PacketBatch(size_t slots = kDefaultSlots, size_t slot_size = kDefaultSlotSize);
  PacketBatch(const PacketBatch&) = delete;
  PacketBatch& operator=(const PacketBatch&) = delete;
  PacketBatch(PacketBatch&&) = default;
  PacketBatch& operator=(PacketBatch&&) = default;

  size_t capacity() const { return slots_.size(); }
  size_t slot_size() const { return slot_size_; }
  size_t size() const { return used_; }
  bool full() const { return used_ == slots_.size(); }
  void clear() { used_ = 0; }

  // Filled packets [0, size()).
  ByteSpan packet(size_t i) const { return ByteSpan(slots_[i].data, slots_[i].len); }
  MutByteSpan packet_mut(size_t i) { return MutByteSpan(slots_[i].data, slots_[i].len); }
  // Received: the sender. To send: the destination.
  const SocketAddress& peer(size_t i) const { return slots_[i].peer; }
  // Received: the local address the packet arrived at, when the socket asked
  // the kernel for it (pktinfo); else AF_UNSPEC. To send: the source address
  // to use (AF_UNSPEC = let the kernel choose).
  const SocketAddress& local(size_t i) const { return slots_[i].local; }
  // Received on a socket with UDP GRO (io/udp_offload.h): packet(i) holds
  // several datagrams of this length back to back (the last may be shorter);
  // 0 = packet(i) is one datagram.
  size_t segment_size(size_t i) const { return slots_[i].segment_size; }

  // The whole buffer of the next free slot (empty span when full). Write a
  // packet into it, then commit() its length.
  MutByteSpan next_buffer();
  void commit(size_t len, const SocketAddress& peer, const SocketAddress& local = {});
  // Copies one packet in. False (and nothing added) if full or too big.
  bool push(ByteSpan packet, const SocketAddress& peer, const SocketAddress& local = {});

  // --- For socket implementations in io/ only. ---
  struct Slot {
    uint8_t* data = nullptr;  // slot_size bytes in the arena
    size_t len = 0;
    SocketAddress peer;
    SocketAddress local;
    uint8_t* control = nullptr;  // kControlSize bytes
    // IPv6 hop limit and traffic class: received from the kernel (raw
    // sockets), or to send as ancillary data; -1 = unknown / kernel default.
    int hop_limit = -1;
    int traffic_class = -1;
    size_t segment_size = 0;  // received: the UDP_GRO segment length, 0 = one datagram
  };
  Slot& slot(size_t i) { return slots_[i]; }
  mmsghdr* msgs() { return msgs_.data(); }
  iovec* iovecs() { return iovs_.data(); }
  void set_size(size_t n) { used_ = n; }
  // Drops slot i from [0, size()) by swapping buffers (no copy): used to skip
  // truncated or malformed datagrams after a recvmmsg.
  void swap_slots(size_t a, size_t b);
  // Scratch for planning GSO sends (io/udp_offload.h), one entry per slot.
  uint8_t* taken_scratch() { return taken_.data(); }
  uint32_t* order_scratch() { return order_.data(); }

 private:
  size_t slot_size_;
  std::vector<uint8_t> arena_;
  std::vector<uint8_t> control_arena_;
  std::vector<Slot> slots_;
  std::vector<mmsghdr> msgs_;
  std::vector<iovec> iovs_;
  std::vector<uint8_t> taken_;
  std::vector<uint32_t> order_;
  size_t used_ = 0;
};

}  // namespace ainet::io
