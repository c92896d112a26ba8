// GRO-like coalescing for TUN writes (io/tcp_coalescing.h): segments joined
// into a super-packet, checked with an independent RFC 1071 computation and
// by cutting it back with io/tcp_segmentation (which must give the original
// packets byte for byte), and every case that must not join.
#include "io/tcp_coalescing.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "io/tcp_segmentation.h"
#include "support/reference_checksum.h"

namespace ainet::io {
namespace {

using test::fold;
using test::pseudo_sum;
using test::sum16;

struct Seg {
  bool v4 = true;
  uint32_t seq = 1000;
  uint16_t id = 77;
  bool df = false;
  uint8_t flags = 0x10;  // ACK
  size_t payload = 1200;
  uint16_t sport = 40000;
  uint32_t ack = 555;
  uint16_t window = 300;
};

// A complete, correctly checksummed IPv4/IPv6 TCP packet with 12 option bytes.
Bytes make(const Seg& g) {
  const size_t ip_len = g.v4 ? 20 : 40, tcp_len = 32;
  Bytes b(ip_len + tcp_len + g.payload, 0);
  uint8_t* p = b.data();
  if (g.v4) {
    p[0] = 0x45;
    store_be16(p + 2, static_cast<uint16_t>(b.size()));
    store_be16(p + 4, g.id);
    p[6] = g.df ? 0x40 : 0;
    p[8] = 60;
    p[9] = 6;
    const uint8_t a[8] = {192, 0, 2, 1, 198, 51, 100, 7};
    std::memcpy(p + 12, a, 8);
    store_be16(p + 10, static_cast<uint16_t>(~fold(sum16(p, 20))));
  } else {
    p[0] = 0x60;
    store_be16(p + 4, static_cast<uint16_t>(b.size() - 40));
    p[6] = 6;
    p[7] = 60;
    for (int i = 0; i < 32; ++i) p[8 + i] = static_cast<uint8_t>(0x20 + i);
  }
  uint8_t* t = p + ip_len;
  store_be16(t, g.sport);
  store_be16(t + 2, 22);
  store_be32(t + 4, g.seq);
  store_be32(t + 8, g.ack);
  t[12] = 0x80;
  t[13] = g.flags;
  store_be16(t + 14, g.window);
  const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 4};  // NOP NOP timestamps
  std::memcpy(t + 20, opts, 12);
  for (size_t i = 0; i < g.payload; ++i)
    t[tcp_len + i] = static_cast<uint8_t>((g.seq + i) * 31 + (g.seq + i) / 257);
  store_be16(t + 16, static_cast<uint16_t>(~fold(pseudo_sum(p, g.v4, b.size() - ip_len) +
                                                 sum16(t, b.size() - ip_len))));
  return b;
}

// n segments of one flow, the last `last_payload` bytes with `last_flags`.
std::vector<Bytes> flow(bool v4, size_t n, size_t payload, size_t last_payload, uint8_t last_flags,
                        bool df = false) {
  std::vector<Bytes> v;
  Seg g;
  g.v4 = v4;
  g.df = df;
  g.payload = payload;
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 == n) {
      g.payload = last_payload;
      g.flags = last_flags;
    }
    v.push_back(make(g));
    g.seq += static_cast<uint32_t>(g.payload);
    g.id = df ? static_cast<uint16_t>(g.id * 7 + 3) : static_cast<uint16_t>(g.id + 1);
  }
  return v;
}

void round_trip(const std::vector<Bytes>& segs, bool v4) {
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer c(out);
  ASSERT_TRUE(c.start(segs[0]));
  for (size_t i = 1; i < segs.size(); ++i) ASSERT_TRUE(c.append(segs[i])) << i;
  EXPECT_EQ(c.segments(), segs.size());
  ByteSpan w = c.finish();
  EXPECT_FALSE(c.active());
  auto h = parse_virtio_net_hdr(w);
  ASSERT_TRUE(h);
  ByteSpan pkt = w.subspan(kVirtioNetHdrSize);
  const size_t ip_len = v4 ? 20 : 40;
  EXPECT_EQ(h->gso_type, v4 ? kVnetGsoTcpV4 : kVnetGsoTcpV6);
  EXPECT_EQ(h->flags, kVnetFlagNeedsCsum);
  EXPECT_EQ(h->gso_size, segs[0].size() - ip_len - 32);
  EXPECT_EQ(h->hdr_len, ip_len + 32);
  ASSERT_EQ(validate_virtio_net_hdr(*h, pkt), Errc::ok);
  if (v4) {
    EXPECT_EQ(load_be16(&pkt[2]), pkt.size());
    EXPECT_EQ(fold(sum16(pkt.data(), 20)), 0xffff);  // header checksum
  } else {
    EXPECT_EQ(load_be16(&pkt[4]), pkt.size() - 40);
  }
  // The partial checksum, completed independently, verifies.
  const uint16_t seed = load_be16(&pkt[ip_len + 16]);
  EXPECT_EQ(seed, fold(pseudo_sum(pkt.data(), v4, pkt.size() - ip_len)));
  Bytes done(pkt.begin(), pkt.end());
  const size_t tcp_len = done.size() - ip_len;
  store_be16(&done[ip_len + 16],
             static_cast<uint16_t>(~fold(sum16(done.data() + ip_len, tcp_len))));
  EXPECT_EQ(fold(pseudo_sum(done.data(), v4, tcp_len) + sum16(done.data() + ip_len, tcp_len)),
            0xffff);
  // Cut back: the original packets, byte for byte.
  std::vector<Bytes> store(segs.size() + 1, Bytes(2048));
  std::vector<MutByteSpan> bufs(store.begin(), store.end());
  std::vector<size_t> lens(store.size());
  auto n = tcp_segment(*h, pkt, 65535, bufs, lens);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, segs.size());
  for (size_t i = 0; i < segs.size(); ++i)
    EXPECT_EQ(Bytes(store[i].begin(), store[i].begin() + static_cast<long>(lens[i])), segs[i]) << i;
}

TEST(TcpCoalescing, Ipv4RoundTrip) {
  round_trip(flow(true, 10, 1200, 700, 0x18), true);
}
TEST(TcpCoalescing, Ipv6RoundTrip) {
  round_trip(flow(false, 40, 1000, 1000, 0x18), false);
}

TEST(TcpCoalescing, DfSetIdsNeedNotFollow) {
  // RFC 6864 §4.1: with DF the ID means nothing; the segmenter's +1 IDs differ
  // from these, so only the join is checked here.
  auto segs = flow(true, 5, 1000, 1000, 0x10, true);
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer c(out);
  ASSERT_TRUE(c.start(segs[0]));
  for (size_t i = 1; i < segs.size(); ++i) EXPECT_TRUE(c.append(segs[i]));
  EXPECT_EQ(c.segments(), 5u);
}

TEST(TcpCoalescing, SingleSegmentGoesOutUnchanged) {
  Bytes one = make(Seg{});
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer c(out);
  ASSERT_TRUE(c.start(one));
  ByteSpan w = c.finish();
  ASSERT_EQ(w.size(), kVirtioNetHdrSize + one.size());
  for (size_t i = 0; i < kVirtioNetHdrSize; ++i) EXPECT_EQ(w[i], 0) << i;
  EXPECT_EQ(Bytes(w.begin() + kVirtioNetHdrSize, w.end()), one);
  EXPECT_TRUE(c.finish().empty());  // nothing left
}

TEST(TcpCoalescing, SegmentsThatMustNotJoin) {
  struct Case {
    const char* what;
    void (*mutate)(Seg&);
  };
  const Case cases[] = {
      {"other source port", [](Seg& g) { g.sport = 40001; }},
      {"sequence gap", [](Seg& g) { g.seq += 1; }},
      {"other ack", [](Seg& g) { g.ack += 1; }},
      {"other window", [](Seg& g) { g.window += 1; }},
      {"SYN", [](Seg& g) { g.flags = 0x12; }},
      {"FIN", [](Seg& g) { g.flags = 0x11; }},
      {"RST", [](Seg& g) { g.flags = 0x14; }},
      {"no ACK", [](Seg& g) { g.flags = 0x08; }},
      {"longer than the first", [](Seg& g) { g.payload = 1201; }},
      {"no payload", [](Seg& g) { g.payload = 0; }},
      {"IPv4 ID gap without DF", [](Seg& g) { g.id = static_cast<uint16_t>(g.id + 1); }},
      {"IPv6 after IPv4", [](Seg& g) { g.v4 = false; }},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    Seg g;
    Bytes first = make(g);
    g.seq += static_cast<uint32_t>(g.payload);
    g.id = static_cast<uint16_t>(g.id + 1);
    EXPECT_TRUE(TcpCoalescer(MutByteSpan()).start(first) == false);  // no room
    Bytes ok_next = make(g);
    k.mutate(g);
    Bytes next = make(g);
    Bytes out(kVirtioNetHdrSize + 65535);
    TcpCoalescer c(out);
    ASSERT_TRUE(c.start(first));
    EXPECT_FALSE(c.append(next));
    EXPECT_EQ(c.segments(), 1u);
    EXPECT_TRUE(c.append(ok_next));  // the refusal changed nothing
  }
}

TEST(TcpCoalescing, PacketsThatCannotStart) {
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer c(out);
  Bytes bad_tcp = make(Seg{});
  bad_tcp.back() ^= 1;
  EXPECT_FALSE(c.start(bad_tcp));  // left to the kernel to drop and count
  Bytes bad_ip = make(Seg{});
  bad_ip[8] ^= 1;  // TTL changed, header checksum stale
  EXPECT_FALSE(c.start(bad_ip));
  Bytes frag = make(Seg{});
  frag[6] |= 0x20;  // MF
  frag[10] = frag[11] = 0;
  store_be16(&frag[10], static_cast<uint16_t>(~fold(sum16(frag.data(), 20))));
  EXPECT_FALSE(c.start(frag));
  Bytes opts = make(Seg{});
  opts[0] = 0x46;
  EXPECT_FALSE(c.start(opts));
  Bytes udp = make(Seg{});
  udp[9] = 17;
  EXPECT_FALSE(c.start(udp));
  Bytes trailing = make(Seg{});
  trailing.push_back(0);  // buffer longer than the total length
  EXPECT_FALSE(c.start(trailing));
  EXPECT_FALSE(c.start(ByteSpan(trailing.data(), 19)));
  EXPECT_FALSE(c.active());
}

TEST(TcpCoalescing, EndsAfterShortOrPshAndAtLimits) {
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer c(out);
  auto segs = flow(true, 3, 1200, 600, 0x10);
  ASSERT_TRUE(c.start(segs[0]));
  ASSERT_TRUE(c.append(segs[1]));
  ASSERT_TRUE(c.append(segs[2]));  // short: ends the run
  Seg g;
  g.seq = 1000 + 3000;
  g.id = 80;
  EXPECT_FALSE(c.append(make(g)));
  // 64 KB IPv4: 1200-byte segments stop before the total length overflows.
  auto many = flow(true, 60, 1200, 1200, 0x10);
  ASSERT_TRUE(c.start(many[0]));
  size_t joined = 1;
  while (joined < many.size() && c.append(many[joined])) ++joined;
  EXPECT_EQ(joined, (65535 - 52) / 1200);
  // A small output buffer ends runs earlier.
  Bytes small(kVirtioNetHdrSize + 3000);
  TcpCoalescer s(small);
  ASSERT_TRUE(s.start(many[0]));
  EXPECT_TRUE(s.append(many[1]));
  EXPECT_FALSE(s.append(many[2]));
}

}  // namespace
}  // namespace ainet::io
