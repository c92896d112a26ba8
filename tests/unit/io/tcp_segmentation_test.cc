// The virtio-net header (io/virtio_net_hdr.h) and user-space TCP segmentation
// of TUN super-packets (io/tcp_segmentation.h). Every segment is checked
// against an independent computation written here (RFC 1071 sums, the
// expected header fields), never against the code under test.
#include "io/tcp_segmentation.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "io/virtio_net_hdr.h"
#include "support/reference_checksum.h"

namespace ainet::io {
namespace {

using test::fold;
using test::pseudo_sum;
using test::sum16;

// --- independent reference computations (RFC 1071, RFC 9293 §3.1) ---------

// True if the IPv4 header's checksum verifies (sum incl. the field = 0xffff).
bool ipv4_header_ok(const uint8_t* p) {
  return fold(sum16(p, size_t{p[0] & 0xfu} * 4)) == 0xffff;
}
// True if the TCP checksum of the packet verifies.
bool tcp_checksum_ok(const uint8_t* ip, size_t len, bool v4) {
  const size_t ip_len = v4 ? size_t{ip[0] & 0xfu} * 4 : 40;
  const size_t tcp_len = len - ip_len;
  return fold(pseudo_sum(ip, v4, tcp_len) + sum16(ip + ip_len, tcp_len)) == 0xffff;
}

// --- crafted super-packets -------------------------------------------------

struct Super {
  Bytes pkt;
  VirtioNetHdr hdr;
  size_t ip_len = 0, tcp_len = 0;
  bool v4 = true;
  ByteSpan span() const { return pkt; }
};

// An IPv4 (IHL 5) or IPv6 TCP packet with `opt_words` 32-bit words of TCP
// options and `payload` bytes of patterned data, as the kernel hands a TSO
// packet over: NEEDS_CSUM, the pseudo-header sum (over the whole length) in
// the checksum field.
Super make_super(bool v4, size_t payload, uint16_t gso_size, uint8_t flags = 0x18 /*ACK|PSH*/,
                 uint32_t seq = 0x10203040, size_t opt_words = 3) {
  Super s;
  s.v4 = v4;
  s.ip_len = v4 ? 20 : 40;
  s.tcp_len = 20 + opt_words * 4;
  s.pkt.assign(s.ip_len + s.tcp_len + payload, 0);
  uint8_t* p = s.pkt.data();
  if (v4) {
    p[0] = 0x45;
    store_be16(p + 2, static_cast<uint16_t>(s.pkt.size()));
    store_be16(p + 4, 0xfffe);  // identification: wraps after 2 segments
    p[6] = 0x40;                // DF
    p[8] = 64;
    p[9] = 6;
    const uint8_t a[8] = {10, 9, 0, 1, 10, 9, 0, 2};
    std::memcpy(p + 12, a, 8);
    // The kernel's header checksum of the super-packet (recomputed per segment anyway).
    store_be16(p + 10, static_cast<uint16_t>(~fold(sum16(p, 20))));
  } else {
    p[0] = 0x60;
    store_be16(p + 4, static_cast<uint16_t>(s.pkt.size() - 40));
    p[6] = 6;
    p[7] = 64;
    for (int i = 0; i < 16; ++i)
      p[8 + i] = static_cast<uint8_t>(0xfd + i), p[24 + i] = static_cast<uint8_t>(0x20 + i);
  }
  uint8_t* t = p + s.ip_len;
  store_be16(t, 40000);
  store_be16(t + 2, 443);
  store_be32(t + 4, seq);
  store_be32(t + 8, 0xa0b0c0d0);
  t[12] = static_cast<uint8_t>((s.tcp_len / 4) << 4);
  t[13] = flags;
  store_be16(t + 14, 501);
  for (size_t i = 20; i < s.tcp_len; ++i) t[i] = static_cast<uint8_t>(0x70 + i);  // options
  for (size_t i = 0; i < payload; ++i) t[s.tcp_len + i] = static_cast<uint8_t>(i * 7 + i / 251);
  store_be16(t + 16, fold(pseudo_sum(p, v4, s.pkt.size() - s.ip_len)));
  s.hdr.flags = kVnetFlagNeedsCsum;
  s.hdr.gso_type = v4 ? kVnetGsoTcpV4 : kVnetGsoTcpV6;
  s.hdr.hdr_len = static_cast<uint16_t>(s.ip_len + s.tcp_len);
  s.hdr.gso_size = gso_size;
  s.hdr.csum_start = static_cast<uint16_t>(s.ip_len);
  s.hdr.csum_offset = 16;
  return s;
}

struct Out {
  std::vector<Bytes> store;
  std::vector<MutByteSpan> bufs;
  std::vector<size_t> lens;
  explicit Out(size_t n, size_t size = 2048) : store(n, Bytes(size)), lens(n) {
    for (auto& b : store) bufs.emplace_back(b);
  }
};

// Checks every segment against the super-packet; returns the number checked.
void check_segments(const Super& s, const Out& o, size_t n, size_t mss) {
  const size_t hdr = s.ip_len + s.tcp_len;
  const size_t payload = s.pkt.size() - hdr;
  ASSERT_EQ(n, payload == 0 ? 1 : (payload + mss - 1) / mss);
  const uint8_t* sp = s.pkt.data();
  const uint8_t* st = sp + s.ip_len;
  Bytes joined;
  for (size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("segment " + std::to_string(i));
    const uint8_t* p = o.store[i].data();
    const uint8_t* t = p + s.ip_len;
    const size_t seg_payload = std::min(mss, payload - i * mss);
    ASSERT_EQ(o.lens[i], hdr + seg_payload);
    if (s.v4) {
      EXPECT_EQ(load_be16(p + 2), o.lens[i]);
      EXPECT_EQ(load_be16(p + 4), static_cast<uint16_t>(load_be16(sp + 4) + i));
      EXPECT_TRUE(ipv4_header_ok(p));
      EXPECT_EQ(0, std::memcmp(p + 6, sp + 6, 4));    // flags/fragment, TTL, protocol
      EXPECT_EQ(0, std::memcmp(p + 12, sp + 12, 8));  // addresses
    } else {
      EXPECT_EQ(load_be16(p + 4), o.lens[i] - 40);
      EXPECT_EQ(0, std::memcmp(p, sp, 4));
      EXPECT_EQ(0, std::memcmp(p + 6, sp + 6, 34));
    }
    EXPECT_EQ(0, std::memcmp(t, st, 4));  // ports
    EXPECT_EQ(load_be32(t + 4), static_cast<uint32_t>(load_be32(st + 4) + i * mss));
    EXPECT_EQ(0, std::memcmp(t + 8, st + 8, 5));  // ack, data offset
    const bool last = i + 1 == n;
    uint8_t want = st[13];
    if (!last) want &= static_cast<uint8_t>(~0x09);   // FIN, PSH only on the last
    if (i != 0) want &= static_cast<uint8_t>(~0x80);  // CWR only on the first
    EXPECT_EQ(t[13], want);
    EXPECT_EQ(0, std::memcmp(t + 14, st + 14, 2));               // window
    EXPECT_EQ(0, std::memcmp(t + 18, st + 18, s.tcp_len - 18));  // urgent, options
    EXPECT_TRUE(tcp_checksum_ok(p, o.lens[i], s.v4));
    joined.insert(joined.end(), p + hdr, p + o.lens[i]);
  }
  EXPECT_EQ(joined, Bytes(s.pkt.begin() + static_cast<long>(hdr), s.pkt.end()));
}

TEST(VirtioNetHdr, ParseWriteRoundTrip) {
  VirtioNetHdr h{kVnetFlagNeedsCsum, kVnetGsoTcpV6 | kVnetGsoEcn, 74, 1428, 40, 16};
  uint8_t buf[kVirtioNetHdrSize + 3];
  ASSERT_EQ(write_virtio_net_hdr(h, buf), Errc::ok);
  auto r = parse_virtio_net_hdr(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, h.flags);
  EXPECT_EQ(r->gso_type, h.gso_type);
  EXPECT_EQ(r->gso_kind(), kVnetGsoTcpV6);
  EXPECT_EQ(r->hdr_len, 74);
  EXPECT_EQ(r->gso_size, 1428);
  EXPECT_EQ(r->csum_start, 40);
  EXPECT_EQ(r->csum_offset, 16);
  EXPECT_EQ(parse_virtio_net_hdr(ByteSpan(buf, 9)).error(), Errc::truncated);
  EXPECT_EQ(write_virtio_net_hdr(h, MutByteSpan(buf, 9)), Errc::buffer_too_small);
}

TEST(TcpSegmentation, Ipv4WithOptionsAtGsoSize) {
  Super s = make_super(true, 10000, 1448);
  ASSERT_EQ(validate_virtio_net_hdr(s.hdr, s.span()), Errc::ok);
  EXPECT_EQ(*tcp_segment_count(s.hdr, s.span(), 65535), 7u);
  Out o(8);
  auto n = tcp_segment(s.hdr, s.span(), 65535, o.bufs, o.lens);
  ASSERT_TRUE(n) << to_string(n.error());
  check_segments(s, o, *n, 1448);
}

TEST(TcpSegmentation, CellBoundCapsTheMss) {
  // gso_size 1448 from the kernel, but a cell holds only 1000 payload bytes.
  Super s = make_super(true, 10000, 1448, 0x19 /*ACK|PSH|FIN*/);
  Out o(10);
  auto n = tcp_segment(s.hdr, s.span(), 1000, o.bufs, o.lens);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 10u);
  check_segments(s, o, *n, 1000);
}

TEST(TcpSegmentation, PayloadForACellSizedDatagram) {
  // 1365 = max_cell_datagram(1400): IPv4 20 + TCP 32 leave 1313 payload bytes.
  Super s = make_super(true, 10000, 1448);
  const size_t cap = tcp_payload_for_datagram(s.hdr, s.span(), 1365);
  EXPECT_EQ(cap, 1365u - 20 - 32);
  Out o(8);
  auto n = tcp_segment(s.hdr, s.span(), cap, o.bufs, o.lens);
  ASSERT_TRUE(n);
  check_segments(s, o, *n, cap);
  for (size_t i = 0; i < *n; ++i) EXPECT_LE(o.lens[i], 1365u);
  EXPECT_EQ(o.lens[0], 1365u);
  Super v6 = make_super(false, 100, 1448);
  EXPECT_EQ(tcp_payload_for_datagram(v6.hdr, v6.span(), 1365), 1365u - 40 - 32);
  EXPECT_EQ(tcp_payload_for_datagram(v6.hdr, v6.span(), 72), 0u);  // headers fill it
  v6.hdr.gso_size = 0;
  EXPECT_EQ(tcp_payload_for_datagram(v6.hdr, v6.span(), 1365), 0u);  // invalid header
}

TEST(TcpSegmentation, Ipv6ExactMultipleAndCwrOnFirstOnly) {
  Super s = make_super(false, 4 * 1200, 1200, 0x98 /*CWR|ACK|PSH*/);
  s.hdr.gso_type |= kVnetGsoEcn;
  Out o(4);
  auto n = tcp_segment(s.hdr, s.span(), 1400, o.bufs, o.lens);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  check_segments(s, o, *n, 1200);
}

TEST(TcpSegmentation, SequenceNumberWraps) {
  Super s = make_super(false, 3000, 1000, 0x10, 0xfffffc00u, 0);
  Out o(3);
  auto n = tcp_segment(s.hdr, s.span(), 1000, o.bufs, o.lens);
  ASSERT_TRUE(n);
  check_segments(s, o, *n, 1000);
  EXPECT_EQ(load_be32(o.store[2].data() + 40 + 4), 0x000003d0u);  // 0xfffffc00 + 2000 mod 2^32
}

TEST(TcpSegmentation, OddLengthsAndNoPayload) {
  for (size_t payload : {1u, 999u, 1001u, 1447u, 1449u}) {
    SCOPED_TRACE(payload);
    Super s = make_super(true, payload, 1448);
    Out o(2);
    auto n = tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens);
    ASSERT_TRUE(n);
    check_segments(s, o, *n, 1448);
  }
  Super s = make_super(true, 0, 1448, 0x11 /*ACK|FIN*/);
  Out o(1);
  auto n = tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens);
  ASSERT_TRUE(n);
  check_segments(s, o, *n, 1448);
}

TEST(TcpSegmentation, InputUntouched) {
  Super s = make_super(true, 5000, 1448);
  const Bytes before = s.pkt;
  Out o(4);
  ASSERT_TRUE(tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens));
  EXPECT_EQ(s.pkt, before);
}

TEST(TcpSegmentation, CheckerCatchesACorruptSegment) {
  // Negative control: the independent checks do fail on a wrong segment.
  Super s = make_super(true, 3000, 1448);
  Out o(3);
  ASSERT_TRUE(tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens));
  EXPECT_TRUE(tcp_checksum_ok(o.store[1].data(), o.lens[1], true));
  o.store[1][60] ^= 1;
  EXPECT_FALSE(tcp_checksum_ok(o.store[1].data(), o.lens[1], true));
  o.store[1][3] ^= 1;
  EXPECT_FALSE(ipv4_header_ok(o.store[1].data()));
}

TEST(TcpSegmentation, NonGsoPartialChecksumCompleted) {
  for (bool v4 : {true, false}) {
    Super s = make_super(v4, 777, 0);
    s.hdr.gso_type = kVnetGsoNone;
    s.hdr.gso_size = 0;
    EXPECT_FALSE(tcp_checksum_ok(s.pkt.data(), s.pkt.size(), v4));  // only the seed so far
    Out o(1);
    auto n = tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1u);
    ASSERT_EQ(o.lens[0], s.pkt.size());
    EXPECT_TRUE(tcp_checksum_ok(o.store[0].data(), o.lens[0], v4));
    // In place gives the same bytes.
    complete_partial_checksum(s.hdr, s.pkt);
    EXPECT_TRUE(tcp_checksum_ok(s.pkt.data(), s.pkt.size(), v4));
    EXPECT_EQ(0, std::memcmp(s.pkt.data(), o.store[0].data(), s.pkt.size()));
  }
  // Without NEEDS_CSUM nothing changes.
  Super s = make_super(true, 100, 0);
  s.hdr = VirtioNetHdr{};
  const Bytes before = s.pkt;
  complete_partial_checksum(s.hdr, s.pkt);
  EXPECT_EQ(s.pkt, before);
}

TEST(TcpSegmentation, IntoBatchAllOrNothing) {
  Super s = make_super(true, 5000, 1448);
  PacketBatch batch(6, 1600);
  ASSERT_TRUE(batch.push(Bytes(10, 1), SocketAddress{}));
  ASSERT_TRUE(batch.push(Bytes(10, 2), SocketAddress{}));
  // 4 segments, 4 free slots: fits.
  auto n = tcp_segment_into(s.hdr, s.span(), 1448, batch);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(batch.size(), 6u);
  Out o(4);
  for (size_t i = 0; i < 4; ++i) {
    ByteSpan p = batch.packet(2 + i);
    std::memcpy(o.store[i].data(), p.data(), p.size());
    o.lens[i] = p.size();
  }
  check_segments(s, o, 4, 1448);
  // No free slot left: refused, batch unchanged.
  EXPECT_EQ(tcp_segment_into(s.hdr, s.span(), 1448, batch).error(), Errc::buffer_too_small);
  EXPECT_EQ(batch.size(), 6u);
  // Slots too small for one segment: refused before anything is appended.
  PacketBatch small(8, 1000);
  EXPECT_EQ(tcp_segment_into(s.hdr, s.span(), 1448, small).error(), Errc::buffer_too_small);
  EXPECT_EQ(small.size(), 0u);
  // A smaller cell bound makes it fit.
  auto m = tcp_segment_into(s.hdr, s.span(), 900, small);
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, 6u);
}

TEST(TcpSegmentation, BuffersTooFewOrTooSmall) {
  Super s = make_super(false, 5000, 1448);
  Out few(3);
  EXPECT_EQ(tcp_segment(s.hdr, s.span(), 1448, few.bufs, few.lens).error(), Errc::buffer_too_small);
  Out o(4);
  o.bufs[3] = MutByteSpan(o.store[3].data(), 100);  // the last needs 60 + 656
  o.store[0][0] = 0xee;
  EXPECT_EQ(tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens).error(), Errc::buffer_too_small);
  EXPECT_EQ(o.store[0][0], 0xee);  // nothing written
  EXPECT_EQ(tcp_segment_count(s.hdr, s.span(), 0).error(), Errc::invalid_argument);
}

// Every malformed header or packet is refused with a reason (the caller
// drops and counts), and segmentation refuses it too.
TEST(TcpSegmentation, MalformedHeadersRefused) {
  struct Case {
    const char* what;
    bool v4;
    void (*mutate)(Super&);
    Errc want;
  };
  const Case cases[] = {
      {"unknown flag", true, [](Super& s) { s.hdr.flags |= 0x04; }, Errc::malformed},
      {"gso udp (ufo)", true, [](Super& s) { s.hdr.gso_type = kVnetGsoUdp; }, Errc::unsupported},
      {"gso udp_l4", true, [](Super& s) { s.hdr.gso_type = kVnetGsoUdpL4; }, Errc::unsupported},
      {"gso type 2", true, [](Super& s) { s.hdr.gso_type = 2; }, Errc::malformed},
      {"gso type 9", true, [](Super& s) { s.hdr.gso_type = 9; }, Errc::malformed},
      {"ecn without gso", true, [](Super& s) { s.hdr.gso_type = kVnetGsoEcn; }, Errc::malformed},
      {"csum_start past end", true,
       [](Super& s) {
         s.hdr.gso_type = kVnetGsoNone;
         s.hdr.csum_start = static_cast<uint16_t>(s.pkt.size() - 1);
         s.hdr.csum_offset = 0;
       },
       Errc::malformed},
      {"csum_offset past end", false,
       [](Super& s) {
         s.hdr.gso_type = kVnetGsoNone;
         s.hdr.csum_offset = 0xfff0;
       },
       Errc::malformed},
      {"gso without needs_csum", true, [](Super& s) { s.hdr.flags = 0; }, Errc::malformed},
      {"gso_size 0", false, [](Super& s) { s.hdr.gso_size = 0; }, Errc::malformed},
      {"hdr_len past end", true,
       [](Super& s) { s.hdr.hdr_len = static_cast<uint16_t>(s.pkt.size() + 1); }, Errc::malformed},
      {"tcpv4 on an ipv6 packet", false, [](Super& s) { s.hdr.gso_type = kVnetGsoTcpV4; },
       Errc::bad_version},
      {"tcpv6 on an ipv4 packet", true,
       [](Super& s) {
         s.hdr.gso_type = kVnetGsoTcpV6;
         s.pkt.resize(60);  // long enough to be looked at as IPv6
       },
       Errc::bad_version},
      {"ipv4 ihl 4", true, [](Super& s) { s.pkt[0] = 0x44; }, Errc::malformed},
      {"ipv4 udp", true, [](Super& s) { s.pkt[9] = 17; }, Errc::malformed},
      {"ipv4 fragment", true, [](Super& s) { s.pkt[6] |= 0x20; }, Errc::unsupported},
      {"ipv6 extension header", false, [](Super& s) { s.pkt[6] = 0; }, Errc::unsupported},
      {"csum_start not at tcp", true, [](Super& s) { s.hdr.csum_start = 24; }, Errc::malformed},
      {"csum_offset not 16", false, [](Super& s) { s.hdr.csum_offset = 6; }, Errc::malformed},
      {"tcp data offset 4", true, [](Super& s) { s.pkt[20 + 12] = 0x40; }, Errc::malformed},
      {"tcp header past end", true,
       [](Super& s) {
         s.pkt.resize(20 + 30);  // data offset says 32
         s.hdr.hdr_len = 0;
       },
       Errc::truncated},
      {"ipv4 too short", true,
       [](Super& s) {
         s.pkt.resize(19);
         s.hdr.hdr_len = 0;
         s.hdr.csum_start = 0;
         s.hdr.csum_offset = 0;
       },
       Errc::truncated},
      {"ipv4 over 64k", true, [](Super& s) { s.pkt.resize(70000); }, Errc::malformed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Super s = make_super(c.v4, 3000, 1448);
    ASSERT_EQ(validate_virtio_net_hdr(s.hdr, s.span()), Errc::ok);
    c.mutate(s);
    EXPECT_EQ(validate_virtio_net_hdr(s.hdr, s.span()), c.want);
    Out o(8);
    EXPECT_EQ(tcp_segment(s.hdr, s.span(), 1448, o.bufs, o.lens).error(), c.want);
    EXPECT_EQ(tcp_segment_count(s.hdr, s.span(), 1448).error(), c.want);
  }
}

}  // namespace
}  // namespace ainet::io
