// TunOffloadIo: the batch reads and writes of a TUN opened with IFF_VNET_HDR
// (io/tun_device.h TunOffload::kVnetHdr), for the endpoint and the exit
// (docs/tun-offload.md "Wiring"). It sits between the TunDevice and the
// PacketBatch the daemons already use, so their per-datagram paths stay as
// they are:
//  - reading: one packet at a time into a 64 KB + header scratch buffer;
//    the virtio header is parsed and validated (a bad one is dropped and
//    counted by reason), a partial checksum is completed, and a TCP
//    super-packet is cut into segments of at most `max_datagram` bytes
//    (io/tcp_segmentation.h) into the batch's free slots;
//  - writing: consecutive in-order TCP segments of one flow in the batch
//    are joined into one super-packet per write (io/tcp_coalescing.h);
//    anything else goes out alone with a zero header. The batch order is
//    kept exactly, so no flow is ever reordered.
// Buffers are allocated once in the constructor: nothing per packet.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/batch_syscalls.h"
#include "io/packet_batch.h"
#include "io/sys_result.h"
#include "io/tcp_coalescing.h"
#include "io/tun_device.h"
#include "io/virtio_net_hdr.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::io {

struct TunOffloadCounters {
  uint64_t super_packets_in = 0;   // GSO packets read
  uint64_t segments_in = 0;        // segments cut from them
  uint64_t super_packets_out = 0;  // writes that joined more than one segment
  uint64_t segments_out = 0;       // segments in those writes
  // Reads refused, by why (validate_virtio_net_hdr's Errc; buffer_too_small:
  // more segments than a whole batch holds, or a packet larger than a slot).
  std::array<uint64_t, kErrcCount> dropped{};
  uint64_t dropped_total() const {
    uint64_t n = 0;
    for (uint64_t d : dropped) n += d;
    return n;
  }
  // The status rows of aind's and ain-endpoint's `tun_offload` object.
  std::map<std::string, uint64_t> status_rows() const {
    return {{"super_packets_in", super_packets_in},
            {"segments_in", segments_in},
            {"super_packets_out", super_packets_out},
            {"segments_out", segments_out}};
  }
  // f(reason, count) for every reason with drops; reason is "tun_vnet_"
  // and the Errc's name, as both daemons' status and metrics show it.
  template <class F>
  void for_each_drop(F&& f) const {
    for (size_t e = 0; e < dropped.size(); ++e)
      if (dropped[e] != 0) f("tun_vnet_" + std::string(to_string(static_cast<Errc>(e))), dropped[e]);
  }
};

class TunOffloadIo {
 public:
  // The read buffer's size: the header and the largest IP packet.
  static constexpr size_t kBufferSize = kVirtioNetHdrSize + 65535;

  // `max_datagram`: the longest IP datagram a segment may be (the cell's
  // datagram bound at the exit, the TUN MTU at the endpoint).
  explicit TunOffloadIo(size_t max_datagram);

  // Slots a read batch needs so that a 64 KB super-packet of the smallest
  // segments still fits an empty batch (at least PacketBatch's default).
  static size_t batch_slots(size_t max_datagram);
  // Free slots to leave before another read (a super-packet's segments).
  size_t reserve() const { return reserve_; }
  size_t max_datagram() const { return max_datagram_; }

  // Clears `batch`, then puts into it what is left of the packet kept from
  // the last call (if any), then (when `read_more`) reads until the batch
  // has fewer than reserve() free slots, nothing is waiting, or capacity()
  // reads were done. A super-packet with more segments than free slots is
  // cut where the batch is full and the rest kept for the next call
  // (pending(): call again, with read_more false if the caller is out of
  // rounds, so nothing waits for the next wake-up). `done` counts datagrams
  // put into the batch, `dropped` refused reads.
  SysResult<BatchCounts> read_batch(TunDevice& tun, PacketBatch& batch, bool read_more = true);
  bool pending() const { return pending_len_ != 0; }

  // Writes the batch's datagrams in order, joining TCP segments (above).
  // `done`/`dropped` count datagrams; an EBADF ends it with the error.
  SysResult<BatchCounts> write_batch(TunDevice& tun, const PacketBatch& batch);

  // The two halves without system calls (for tests and the fuzz target).
  // take(): one read (virtio header + IP packet) into the batch's free
  // slots, segments of at most min(max_datagram(), slot size) bytes. A
  // super-packet with more segments than free slots fills them and leaves
  // its rest (a valid virtio header + super-packet, written over bytes
  // already used) at read.subspan(rest). Errors: why the read is refused
  // (counted), or buffer_too_small, not counted: no free slot, or a
  // datagram larger than a slot (the caller decides whether to retry).
  struct Taken {
    size_t datagrams = 0;
    size_t rest = 0;  // 0: all of it is in the batch
  };
  Result<Taken> take(MutByteSpan read, PacketBatch& batch);
  // coalesce(): calls write(head, body) once per TUN write of the batch:
  // head + body is a virtio header and an IP packet (a joined super-packet
  // comes whole in head, a lone datagram as a zero header and the batch's
  // own bytes, not copied). write returns true when the kernel took it.
  template <class Write>
  BatchCounts coalesce(const PacketBatch& batch, Write&& write);

  const TunOffloadCounters& counters() const { return counters_; }

 private:
  void count_drop(Errc e) { ++counters_.dropped[static_cast<size_t>(e)]; }
  // Takes in_[off, off + len); false when the rest is kept (stop reading).
  bool consume(size_t off, size_t len, PacketBatch& batch, BatchCounts& c);
  static constexpr std::array<uint8_t, kVirtioNetHdrSize> kZeroHdr{};  // a plain packet

  size_t max_datagram_;
  size_t reserve_;
  std::vector<uint8_t> in_;   // kBufferSize: the packet being read
  std::vector<uint8_t> out_;  // kBufferSize: the super-packet being built
  size_t pending_off_ = 0;    // in_[pending_off_, + pending_len_): kept for the next read_batch
  size_t pending_len_ = 0;
  TcpCoalescer coalescer_;
  TunOffloadCounters counters_;
};

template <class Write>
BatchCounts TunOffloadIo::coalesce(const PacketBatch& batch, Write&& write) {
  BatchCounts c;
  auto emit = [&](ByteSpan head, ByteSpan body, size_t n) {
    if (n > 1) {
      ++counters_.super_packets_out;
      counters_.segments_out += n;
    }
    if (write(head, body))
      c.done += n;
    else
      c.dropped += n;
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    const ByteSpan pkt = batch.packet(i);
    if (coalescer_.active() && coalescer_.append(pkt)) continue;
    if (coalescer_.active()) {
      const size_t n = coalescer_.segments();
      emit(coalescer_.finish(), ByteSpan{}, n);
    }
    if (coalescer_.start(pkt)) continue;
    emit(ByteSpan(kZeroHdr.data(), kZeroHdr.size()), pkt, 1);
  }
  if (coalescer_.active()) {
    const size_t n = coalescer_.segments();
    emit(coalescer_.finish(), ByteSpan{}, n);
  }
  return c;
}

}  // namespace ainet::io
