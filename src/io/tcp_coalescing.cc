#include "io/tcp_coalescing.h"

#include <cstring>

#include "wire/checksum.h"

namespace ainet::io {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kTcpPsh = 0x08;  // RFC 9293 §3.1 control bits (byte 13)
constexpr uint8_t kTcpAck = 0x10;
constexpr uint16_t kIpv4Df = 0x4000;
constexpr size_t kMaxIpv4 = 0xffff;         // RFC 791 total length
constexpr size_t kMaxIpv6Payload = 0xffff;  // RFC 8200 payload length (no jumbograms)

struct Segment {
  bool v4 = false;
  size_t ip_len = 0, tcp_len = 0, payload = 0;
  uint32_t seq = 0;
  uint16_t id = 0;
  uint8_t flags = 0;
};

// The pseudo-header part of the TCP checksum (RFC 9293 §3.1, RFC 8200 §8.1).
void add_pseudo_header(wire::InternetChecksum& c, const uint8_t* ip, bool v4, size_t tcp_len) {
  if (v4) {
    c.add(ByteSpan(ip + 12, 8));
    c.add_u16(kProtoTcp);
    c.add_u16(static_cast<uint16_t>(tcp_len));
  } else {
    c.add(ByteSpan(ip + 8, 32));
    c.add_u32(static_cast<uint32_t>(tcp_len));
    c.add_u32(kProtoTcp);
  }
}

// A TCP segment that may take part in coalescing (see the header).
bool eligible(ByteSpan pkt, Segment& s) {
  if (pkt.size() < 20) return false;
  const uint8_t* p = pkt.data();
  if (p[0] == 0x45) {  // IPv4, IHL 5: no options
    if (load_be16(p + 2) != pkt.size() || p[9] != kProtoTcp) return false;
    if ((load_be16(p + 6) & ~kIpv4Df) != 0) return false;  // MF, fragment offset, reserved bit
    if (wire::internet_checksum(ByteSpan(p, 20)) != 0) return false;
    s.v4 = true;
    s.ip_len = 20;
    s.id = load_be16(p + 4);
  } else if ((p[0] >> 4) == 6) {
    if (pkt.size() < 40 || p[6] != kProtoTcp || load_be16(p + 4) + 40u != pkt.size()) return false;
    s.v4 = false;
    s.ip_len = 40;
  } else {
    return false;
  }
  if (pkt.size() < s.ip_len + 20) return false;
  const uint8_t* t = p + s.ip_len;
  s.tcp_len = static_cast<size_t>(t[12] >> 4) * 4;
  if (s.tcp_len < 20 || s.ip_len + s.tcp_len >= pkt.size()) return false;  // needs a payload
  s.payload = pkt.size() - s.ip_len - s.tcp_len;
  s.flags = t[13];
  if ((s.flags & ~(kTcpAck | kTcpPsh)) != 0 || !(s.flags & kTcpAck)) return false;
  s.seq = load_be32(t + 4);
  wire::InternetChecksum c;
  add_pseudo_header(c, p, s.v4, pkt.size() - s.ip_len);
  c.add(ByteSpan(t, pkt.size() - s.ip_len));
  return c.finish() == 0;  // a correct segment sums to all ones
}

bool same(const uint8_t* a, const uint8_t* b, size_t from, size_t to) {
  return std::memcmp(a + from, b + from, to - from) == 0;
}

}  // namespace

bool TcpCoalescer::start(ByteSpan pkt) {
  segments_ = 0;
  Segment s;
  if (!eligible(pkt, s) || out_.size() < kVirtioNetHdrSize + pkt.size()) return false;
  std::memcpy(out_.data() + kVirtioNetHdrSize, pkt.data(), pkt.size());
  v4_ = s.v4;
  ip_len_ = s.ip_len;
  hdr_len_ = s.ip_len + s.tcp_len;
  gso_size_ = s.payload;
  len_ = pkt.size();
  next_seq_ = s.seq + static_cast<uint32_t>(s.payload);
  next_id_ = static_cast<uint16_t>(s.id + 1);
  closed_ = (s.flags & kTcpPsh) != 0;
  segments_ = 1;
  return true;
}

bool TcpCoalescer::append(ByteSpan pkt) {
  if (segments_ == 0 || closed_ || segments_ >= kCoalesceMaxSegments) return false;
  Segment s;
  if (!eligible(pkt, s)) return false;
  if (s.v4 != v4_ || s.ip_len + s.tcp_len != hdr_len_ || s.payload > gso_size_) return false;
  if (s.seq != next_seq_) return false;
  if (kVirtioNetHdrSize + len_ + s.payload > out_.size()) return false;
  if (v4_ ? len_ + s.payload > kMaxIpv4 : len_ - 40 + s.payload > kMaxIpv6Payload) return false;
  uint8_t* first = out_.data() + kVirtioNetHdrSize;
  const uint8_t* p = pkt.data();
  if (v4_) {
    // Version/IHL/TOS, flags/fragment/TTL/protocol, addresses; the ID must
    // follow on unless DF is set (RFC 6864 §4.1).
    if (!same(first, p, 0, 2) || !same(first, p, 6, 10) || !same(first, p, 12, 20)) return false;
    if (!(load_be16(first + 6) & kIpv4Df) && s.id != next_id_) return false;
  } else {
    if (!same(first, p, 0, 4) || !same(first, p, 6, 40)) return false;  // all but the length
  }
  // TCP: ports, ack + data offset, window, urgent pointer + options.
  const uint8_t* a = first + ip_len_;
  const uint8_t* b = p + ip_len_;
  if (!same(a, b, 0, 4) || !same(a, b, 8, 13) || !same(a, b, 14, 16) ||
      !same(a, b, 18, hdr_len_ - ip_len_))
    return false;
  std::memcpy(first + len_, p + hdr_len_, s.payload);
  len_ += s.payload;
  next_seq_ += static_cast<uint32_t>(s.payload);
  next_id_ = static_cast<uint16_t>(next_id_ + 1);
  ++segments_;
  if (s.flags & kTcpPsh) first[ip_len_ + 13] |= kTcpPsh;  // the super-packet ends with PSH
  closed_ = (s.flags & kTcpPsh) != 0 || s.payload < gso_size_;
  return true;
}

ByteSpan TcpCoalescer::finish() {
  if (segments_ == 0) return {};
  uint8_t* p = out_.data() + kVirtioNetHdrSize;
  VirtioNetHdr h;
  if (segments_ > 1) {
    if (v4_) {
      store_be16(p + 2, static_cast<uint16_t>(len_));
      store_be16(p + 10, 0);
      store_be16(p + 10, wire::internet_checksum(ByteSpan(p, 20)));
    } else {
      store_be16(p + 4, static_cast<uint16_t>(len_ - 40));
    }
    // The field holds the folded pseudo-header sum, not complemented; the
    // kernel adds the rest from csum_start (virtio spec 1.2 §5.1.6.2).
    wire::InternetChecksum c;
    add_pseudo_header(c, p, v4_, len_ - ip_len_);
    store_be16(p + ip_len_ + 16, static_cast<uint16_t>(~c.finish()));
    h.flags = kVnetFlagNeedsCsum;
    h.gso_type = v4_ ? kVnetGsoTcpV4 : kVnetGsoTcpV6;
    h.hdr_len = static_cast<uint16_t>(hdr_len_);
    h.gso_size = static_cast<uint16_t>(gso_size_);
    h.csum_start = static_cast<uint16_t>(ip_len_);
    h.csum_offset = 16;
  }
  (void)write_virtio_net_hdr(h, out_);
  const size_t total = kVirtioNetHdrSize + len_;
  segments_ = 0;
  return ByteSpan(out_.data(), total);
}

}  // namespace ainet::io
