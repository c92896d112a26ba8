#include "io/tun_offload_io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/tcp_segmentation.h"

namespace ainet::io {
namespace {

// The most header bytes a TCP segment can have: a 60-byte IPv4 header and a
// 60-byte TCP header (RFC 791 §3.1 IHL, RFC 9293 §3.1 data offset).
constexpr size_t kMaxHeaders = 120;
constexpr size_t kMaxIpPacket = 65535;
constexpr uint8_t kTcpFin = 0x01;  // RFC 9293 §3.1 control bits (byte 13)
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;  // RFC 3168 §6.1

// Segments a 64 KB super-packet becomes at the smallest cap for max_datagram.
size_t max_segments(size_t max_datagram) {
  const size_t cap = max_datagram > kMaxHeaders + 8 ? max_datagram - kMaxHeaders : 8;
  return (kMaxIpPacket + cap - 1) / cap;
}

}  // namespace

TunOffloadIo::TunOffloadIo(size_t max_datagram)
    : max_datagram_(max_datagram),
      reserve_(max_segments(max_datagram)),
      in_(kBufferSize),
      out_(kBufferSize),
      coalescer_(MutByteSpan(out_.data(), out_.size())) {}

size_t TunOffloadIo::batch_slots(size_t max_datagram) {
  // Room for one worst-case super-packet plus a full default batch of
  // small packets read before it.
  return max_segments(max_datagram) + PacketBatch::kDefaultSlots;
}

Result<TunOffloadIo::Taken> TunOffloadIo::take(MutByteSpan read, PacketBatch& batch) {
  auto h = parse_virtio_net_hdr(read);
  if (!h) {
    count_drop(h.error());
    return h.error();
  }
  const MutByteSpan pkt = read.subspan(kVirtioNetHdrSize);
  if (pkt.empty()) {  // a header with no packet behind it
    count_drop(Errc::truncated);
    return Errc::truncated;
  }
  if (Status st = validate_virtio_net_hdr(*h, pkt); !ok(st)) {
    count_drop(st);
    return st;
  }
  const size_t free = batch.capacity() - batch.size();
  if (free == 0) return Errc::buffer_too_small;
  if (!h->is_gso()) {
    auto n = tcp_segment_into(*h, pkt, 0, batch);  // a copy with the checksum completed
    if (!n) return n.error();
    return Taken{*n, 0};
  }
  const size_t cap = tcp_payload_for_datagram(*h, pkt, std::min(max_datagram_, batch.slot_size()));
  if (cap == 0) {  // the headers alone fill a datagram
    count_drop(Errc::unsupported);
    return Errc::unsupported;
  }
  auto count = tcp_segment_count(*h, pkt, cap);
  if (!count) {
    count_drop(count.error());
    return count.error();
  }
  ++counters_.super_packets_in;
  if (*count <= free) {
    auto n = tcp_segment_into(*h, pkt, cap, batch);
    if (!n) return n.error();
    counters_.segments_in += *n;
    return Taken{*n, 0};
  }
  // More segments than free slots: the first `free` now, as a super-packet
  // of its own (the segmenter takes the length from the span and keeps
  // FIN/PSH for the last segment of the call, so those wait for the rest),
  // then the rest becomes a super-packet of its own, its headers moved in
  // front of its payload: sequence number and IPv4 ID advanced, CWR gone
  // (RFC 3168 §6.1.2: on the first segment only).
  const size_t ip_len = h->csum_start;
  const size_t hdr = ip_len + static_cast<size_t>(pkt[ip_len + 12] >> 4) * 4;
  const size_t chunk = free * tcp_segment_payload(*h, cap);
  uint8_t& flags = pkt[ip_len + 13];
  const uint8_t saved = flags;
  flags = static_cast<uint8_t>(flags & ~(kTcpFin | kTcpPsh));
  auto n = tcp_segment_into(*h, pkt.first(hdr + chunk), cap, batch);
  flags = static_cast<uint8_t>(saved & ~kTcpCwr);
  if (!n) return n.error();
  counters_.segments_in += *n;
  --counters_.super_packets_in;  // counted again with the rest
  std::memmove(read.data() + chunk, read.data(), kVirtioNetHdrSize + hdr);
  uint8_t* rest = read.data() + chunk + kVirtioNetHdrSize;
  store_be32(rest + ip_len + 4, static_cast<uint32_t>(load_be32(rest + ip_len + 4) + chunk));
  if (h->gso_kind() == kVnetGsoTcpV4)
    store_be16(rest + 4, static_cast<uint16_t>(load_be16(rest + 4) + *n));
  return Taken{*n, chunk};
}

bool TunOffloadIo::consume(size_t off, size_t len, PacketBatch& batch, BatchCounts& c) {
  auto t = take(MutByteSpan(in_.data() + off, len), batch);
  if (!t) {
    if (t.error() == Errc::buffer_too_small && batch.size() != 0) {
      pending_off_ = off;  // into an emptied batch next time
      pending_len_ = len;
      return false;
    }
    // An empty batch cannot hold it (a datagram larger than a slot): never.
    if (t.error() == Errc::buffer_too_small) count_drop(Errc::buffer_too_small);
    ++c.dropped;
    return true;
  }
  c.done += t->datagrams;
  if (t->rest != 0) {
    pending_off_ = off + t->rest;
    pending_len_ = len - t->rest;
    return false;
  }
  return true;
}

SysResult<BatchCounts> TunOffloadIo::read_batch(TunDevice& tun, PacketBatch& batch,
                                                bool read_more) {
  batch.clear();
  BatchCounts c;
  if (pending_len_ != 0) {
    const size_t off = pending_off_, len = pending_len_;
    pending_len_ = 0;
    if (!consume(off, len, batch, c)) return c;
  }
  // Bounded: at most capacity() reads, each adding datagrams or a drop.
  for (size_t reads = 0; read_more && reads < batch.capacity(); ++reads) {
    if (batch.capacity() - batch.size() < std::min(reserve_, batch.capacity())) break;
    auto r = tun.read(MutByteSpan(in_.data(), in_.size()));
    if (!r) return r.error();
    if (*r == 0) {
      c.drained = pending_len_ == 0;
      break;
    }
    if (!consume(0, *r, batch, c)) break;
  }
  return c;
}

SysResult<BatchCounts> TunOffloadIo::write_batch(TunDevice& tun, const PacketBatch& batch) {
  int fatal = 0;
  BatchCounts c = coalesce(batch, [&](ByteSpan head, ByteSpan body) {
    if (fatal) return false;
    SysStatus st = tun.write(head, body);
    if (!st.ok() && st.err.code == EBADF) fatal = EBADF;
    return st.ok();
  });
  if (fatal) return sys_error("write tun", fatal);
  return c;
}

}  // namespace ainet::io
