#include "io/tcp_segmentation.h"

#include <algorithm>
#include <cstring>

#include "wire/checksum.h"

namespace ainet::io {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kTcpFin = 0x01;  // RFC 9293 §3.1 control bits (byte 13)
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;  // RFC 3168 §6.1

// The geometry of a validated super-packet.
struct Layout {
  bool v4 = false;
  size_t ip_len = 0;   // IP header bytes
  size_t hdr_len = 0;  // IP + TCP header bytes
  size_t payload = 0;  // TCP payload bytes
  size_t mss = 0;      // payload bytes per segment
  size_t count = 0;    // segments
};

Result<Layout> layout_of(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload) {
  if (Status s = validate_virtio_net_hdr(h, packet); !ok(s)) return s;
  Layout l;
  if (!h.is_gso()) {
    l.count = 1;
    return l;
  }
  l.mss = tcp_segment_payload(h, max_payload);
  if (l.mss == 0) return Errc::invalid_argument;
  l.v4 = h.gso_kind() == kVnetGsoTcpV4;
  l.ip_len = h.csum_start;  // validated: the TCP header starts there
  l.hdr_len = l.ip_len + static_cast<size_t>(packet[l.ip_len + 12] >> 4) * 4;
  l.payload = packet.size() - l.hdr_len;
  l.count = l.payload == 0 ? 1 : (l.payload + l.mss - 1) / l.mss;
  return l;
}

size_t segment_bytes(const Layout& l, size_t i) {
  const size_t off = i * l.mss;
  return l.hdr_len + std::min(l.mss, l.payload - std::min(off, l.payload));
}

// Writes segment i of the super-packet into `out` (large enough: checked by
// the caller); returns its length.
size_t write_segment(const Layout& l, ByteSpan packet, size_t i, MutByteSpan out) {
  const size_t off = i * l.mss;
  const size_t seg_payload = std::min(l.mss, l.payload - std::min(off, l.payload));
  const size_t len = l.hdr_len + seg_payload;
  const bool last = i + 1 == l.count;
  uint8_t* p = out.data();
  std::memcpy(p, packet.data(), l.hdr_len);
  std::memcpy(p + l.hdr_len, packet.data() + l.hdr_len + off, seg_payload);

  uint8_t* tcp = p + l.ip_len;
  const size_t tcp_seg_len = len - l.ip_len;
  wire::InternetChecksum c;  // pseudo-header first (RFC 9293 §3.1, RFC 8200 §8.1)
  if (l.v4) {
    store_be16(p + 2, static_cast<uint16_t>(len));                               // total length
    store_be16(p + 4, static_cast<uint16_t>(load_be16(packet.data() + 4) + i));  // identification
    store_be16(p + 10, 0);
    store_be16(p + 10, wire::internet_checksum(ByteSpan(p, l.ip_len)));
    c.add(ByteSpan(p + 12, 8));  // source, destination
    c.add_u16(kProtoTcp);
    c.add_u16(static_cast<uint16_t>(tcp_seg_len));
  } else {
    store_be16(p + 4, static_cast<uint16_t>(len - 40));  // payload length
    c.add(ByteSpan(p + 8, 32));
    c.add_u32(static_cast<uint32_t>(tcp_seg_len));
    c.add_u32(kProtoTcp);
  }
  store_be32(tcp + 4, static_cast<uint32_t>(load_be32(tcp + 4) + off));  // wraps mod 2^32
  uint8_t flags = tcp[13];
  if (!last) flags = static_cast<uint8_t>(flags & ~(kTcpFin | kTcpPsh));
  if (i != 0) flags = static_cast<uint8_t>(flags & ~kTcpCwr);
  tcp[13] = flags;
  store_be16(tcp + 16, 0);
  c.add(ByteSpan(tcp, tcp_seg_len));
  store_be16(tcp + 16, c.finish());
  return len;
}

}  // namespace

size_t tcp_segment_payload(const VirtioNetHdr& h, size_t max_payload) {
  return std::min<size_t>(h.gso_size, max_payload);
}

size_t tcp_payload_for_datagram(const VirtioNetHdr& h, ByteSpan packet, size_t max_datagram) {
  if (!h.is_gso() || !ok(validate_virtio_net_hdr(h, packet))) return 0;
  const size_t hdr = size_t{h.csum_start} + static_cast<size_t>(packet[h.csum_start + 12] >> 4) * 4;
  return max_datagram > hdr ? max_datagram - hdr : 0;
}

Result<size_t> tcp_segment_count(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload) {
  auto l = layout_of(h, packet, max_payload);
  if (!l) return l.error();
  return l->count;
}

Result<size_t> tcp_segment(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload,
                           std::span<const MutByteSpan> out, std::span<size_t> lens) {
  auto l = layout_of(h, packet, max_payload);
  if (!l) return l.error();
  if (out.size() < l->count || lens.size() < l->count) return Errc::buffer_too_small;
  if (!h.is_gso()) {
    if (out[0].size() < packet.size()) return Errc::buffer_too_small;
    std::memcpy(out[0].data(), packet.data(), packet.size());
    complete_partial_checksum(h, out[0].first(packet.size()));
    lens[0] = packet.size();
    return size_t{1};
  }
  for (size_t i = 0; i < l->count; ++i)
    if (out[i].size() < segment_bytes(*l, i)) return Errc::buffer_too_small;
  for (size_t i = 0; i < l->count; ++i) lens[i] = write_segment(*l, packet, i, out[i]);
  return l->count;
}

Result<size_t> tcp_segment_into(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload,
                                PacketBatch& batch) {
  auto l = layout_of(h, packet, max_payload);
  if (!l) return l.error();
  if (batch.capacity() - batch.size() < l->count) return Errc::buffer_too_small;
  if (!h.is_gso()) {
    if (batch.slot_size() < packet.size()) return Errc::buffer_too_small;
    MutByteSpan b = batch.next_buffer();
    std::memcpy(b.data(), packet.data(), packet.size());
    complete_partial_checksum(h, b.first(packet.size()));
    batch.commit(packet.size(), SocketAddress{});
    return size_t{1};
  }
  if (batch.slot_size() < segment_bytes(*l, 0)) return Errc::buffer_too_small;  // the largest
  for (size_t i = 0; i < l->count; ++i)
    batch.commit(write_segment(*l, packet, i, batch.next_buffer()), SocketAddress{});
  return l->count;
}

}  // namespace ainet::io
