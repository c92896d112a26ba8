// UDP GSO/GRO (io/udp_offload.h): the segment arithmetic, the UDP_GRO
// control message, the GSO run planning, and real GSO sends / GRO receives
// on loopback, including the fallback when the kernel refuses GSO.
#include "io/udp_offload.h"

#include <gtest/gtest.h>
#include <netinet/udp.h>
#include <poll.h>

#include <cstring>
#include <vector>

#include "io/udp_socket.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace ainet::io {
namespace {

TEST(UdpOffload, SegmentCountAndSpans) {
  uint8_t buf[1000];
  for (size_t i = 0; i < sizeof buf; ++i) buf[i] = static_cast<uint8_t>(i);
  // Exact multiple: 4 x 250.
  EXPECT_EQ(segment_count(1000, 250), 4u);
  for (size_t i = 0; i < 4; ++i) {
    ByteSpan s = segment_at(ByteSpan(buf, 1000), 250, i);
    ASSERT_EQ(s.size(), 250u);
    EXPECT_EQ(s.data(), buf + i * 250);  // a view into the buffer, no copy
  }
  // Not a multiple: the last segment is the short rest (1000 = 3 x 300 + 100).
  EXPECT_EQ(segment_count(1000, 300), 4u);
  EXPECT_EQ(segment_at(ByteSpan(buf, 1000), 300, 3).size(), 100u);
  EXPECT_EQ(segment_at(ByteSpan(buf, 1000), 300, 3)[0], buf[900]);
  EXPECT_EQ(segment_at(ByteSpan(buf, 1000), 300, 2).size(), 300u);
  // One byte over a multiple: a 1-byte last segment.
  EXPECT_EQ(segment_count(501, 250), 3u);
  EXPECT_EQ(segment_at(ByteSpan(buf, 501), 250, 2).size(), 1u);
  // Shorter than one segment, or not coalesced (0): one datagram, the whole buffer.
  EXPECT_EQ(segment_count(100, 250), 1u);
  EXPECT_EQ(segment_at(ByteSpan(buf, 100), 250, 0).size(), 100u);
  EXPECT_EQ(segment_count(1000, 0), 1u);
  EXPECT_EQ(segment_at(ByteSpan(buf, 1000), 0, 0).size(), 1000u);
  // An empty datagram is one (empty) datagram.
  EXPECT_EQ(segment_count(0, 250), 1u);
  EXPECT_TRUE(segment_at(ByteSpan(buf, 0), 250, 0).empty());
  // Past the end: empty, never out of bounds.
  EXPECT_TRUE(segment_at(ByteSpan(buf, 1000), 250, 4).empty());
}

TEST(UdpOffload, GroControlMessage) {
  alignas(cmsghdr) uint8_t space[CMSG_SPACE(sizeof(int))] = {};
  auto* c = reinterpret_cast<cmsghdr*>(space);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_GRO;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int v = 1365;
  std::memcpy(CMSG_DATA(c), &v, sizeof v);
  EXPECT_EQ(gro_segment_size(*c), 1365);
  // Truncated: too short to hold its int.
  c->cmsg_len = CMSG_LEN(sizeof(int) - 1);
  EXPECT_EQ(gro_segment_size(*c), -1);
  c->cmsg_len = CMSG_LEN(0);
  EXPECT_EQ(gro_segment_size(*c), -1);
  // Nonsense sizes.
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int zero = 0, huge = 70000;
  std::memcpy(CMSG_DATA(c), &zero, sizeof zero);
  EXPECT_EQ(gro_segment_size(*c), -1);
  std::memcpy(CMSG_DATA(c), &huge, sizeof huge);
  EXPECT_EQ(gro_segment_size(*c), -1);
  // Another message: not ours.
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  EXPECT_EQ(gro_segment_size(*c), 0);
}

struct Planner {
  PacketBatch batch{80, 2048};
  std::vector<uint8_t> taken = std::vector<uint8_t>(80);
  std::vector<uint32_t> out = std::vector<uint32_t>(80);
  void add(size_t len, const SocketAddress& peer) {
    std::vector<uint8_t> p(len, 0);
    ASSERT_TRUE(batch.push(p, peer));
  }
  std::vector<uint32_t> run(size_t first) {
    const size_t n = plan_gso_run(batch, first, taken.data(), out.data());
    return {out.begin(), out.begin() + static_cast<long>(n)};
  }
};

TEST(UdpOffload, PlanGroupsEqualCellsPerPeerInOrder) {
  const auto a = *SocketAddress::parse("192.0.2.1", 4500);
  const auto b = *SocketAddress::parse("192.0.2.2", 4500);
  const auto a_other_port = *SocketAddress::parse("192.0.2.1", 4501);
  Planner p;
  p.add(1365, a);             // 0
  p.add(1365, b);             // 1
  p.add(1365, a);             // 2
  p.add(1365, a_other_port);  // 3: another peer (port)
  p.add(1365, a);             // 4
  p.add(1000, a);             // 5: shorter: may end a's run
  p.add(1365, a);             // 6: after the short one: next run
  p.add(1365, b);             // 7
  EXPECT_EQ(p.run(0), (std::vector<uint32_t>{0, 2, 4, 5}));
  EXPECT_EQ(p.run(1), (std::vector<uint32_t>{1, 7}));
  EXPECT_EQ(p.run(3), (std::vector<uint32_t>{3}));
  EXPECT_EQ(p.run(6), (std::vector<uint32_t>{6}));
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(p.taken[i], 1) << i;
}

TEST(UdpOffload, PlanStopsAtALongerSamePeerPacket) {
  const auto a = *SocketAddress::parse("192.0.2.1", 4500);
  Planner p;
  p.add(500, a);
  p.add(500, a);
  p.add(900, a);  // longer than the segment: cannot join, and nothing after it may either
  p.add(500, a);  // shorter than 900: the last segment of the next run
  EXPECT_EQ(p.run(0), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(p.run(2), (std::vector<uint32_t>{2, 3}));
}

TEST(UdpOffload, PlanRespectsSegmentAndByteLimits) {
  const auto a = *SocketAddress::parse("192.0.2.1", 4500);
  Planner p;
  for (int i = 0; i < 70; ++i) p.add(100, a);
  EXPECT_EQ(p.run(0).size(), kGsoMaxSegments);
  EXPECT_EQ(p.run(64).size(), 6u);
  Planner q;  // 2000-byte cells: at most 65487 / 2000 = 32 per send
  for (int i = 0; i < 40; ++i) q.add(2000, a);
  EXPECT_EQ(q.run(0).size(), kGsoMaxBytes / 2000);
  // Empty datagrams never join a run.
  Planner e;
  e.add(0, a);
  e.add(0, a);
  EXPECT_EQ(e.run(0).size(), 1u);
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1;
}

// Sends `count` cells of `cell` bytes (each tagged with its index) plus one
// short tail from tx to rx in one batch; receives them all, checks order and
// content, and returns how many arrived inside coalesced (GRO) buffers.
size_t cells_round_trip(UdpSocket& tx, UdpSocket& rx, size_t count, size_t cell, size_t tail) {
  const SocketAddress to = *rx.local_address();
  PacketBatch out;
  for (size_t i = 0; i <= count; ++i) {
    MutByteSpan b = out.next_buffer();
    const size_t len = i < count ? cell : tail;
    for (size_t k = 0; k < len; ++k) b[k] = static_cast<uint8_t>(i + k);
    out.commit(len, to);
  }
  auto sent = tx.send(out);
  EXPECT_TRUE(sent);
  if (!sent) return 0;
  EXPECT_EQ(sent->done, count + 1);
  EXPECT_EQ(sent->dropped, 0u);
  EXPECT_EQ(sent->bytes, count * cell + tail);
  PacketBatch in(8, kGroBufferSize);
  size_t next = 0, coalesced = 0;
  while (next <= count && wait_readable(rx.fd())) {
    auto got = rx.recv(in);
    EXPECT_TRUE(got);
    if (!got) return 0;
    for (size_t j = 0; j < in.size(); ++j) {
      const size_t n = segment_count(in.packet(j).size(), in.segment_size(j));
      if (n > 1) coalesced += n;
      for (size_t s = 0; s < n; ++s, ++next) {
        ByteSpan d = segment_at(in.packet(j), in.segment_size(j), s);
        EXPECT_EQ(d.size(), next < count ? cell : tail) << next;
        for (size_t k = 0; k < d.size(); ++k)
          if (d[k] != static_cast<uint8_t>(next + k)) {
            ADD_FAILURE() << "datagram " << next << " byte " << k;
            return coalesced;
          }
      }
    }
  }
  EXPECT_EQ(next, count + 1);
  return coalesced;
}

TEST(UdpOffload, GsoSendGroReceiveOnLoopback) {
  for (int family : {AF_INET, AF_INET6}) {
    auto rx = UdpSocket::bind(SocketAddress::loopback(family, 0));
    auto tx = UdpSocket::bind(SocketAddress::loopback(family, 0));
    ASSERT_TRUE(rx && tx);
    std::string why;
    rx->enable_offloads(why);
    tx->enable_offloads(why);
    if (!rx->gro() || !tx->gso()) GTEST_SKIP() << "kernel without UDP GSO/GRO: " << why;
    // 40 cells + a short tail, in one GSO send; on loopback the receiver
    // gets them coalesced and cuts them apart.
    EXPECT_GT(cells_round_trip(*tx, *rx, 40, 1365, 100), 1u) << family;
    EXPECT_TRUE(tx->gso());
    EXPECT_EQ(tx->gso_state().refused, 0u);
  }
}

TEST(UdpOffload, GsoSenderToPlainReceiverGetsSeparateDatagrams) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  std::string why;
  tx->enable_offloads(why);
  if (!tx->gso()) GTEST_SKIP() << why;
  EXPECT_EQ(cells_round_trip(*tx, *rx, 30, 1200, 7), 0u);  // no GRO: never coalesced
}

TEST(UdpOffload, RefusedGsoFallsBackToSingleDatagramsAndTurnsOff) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  std::string why;
  rx->enable_offloads(why);
  tx->enable_offloads(why);
  if (!tx->gso()) GTEST_SKIP() << why;
  // Linux refuses UDP_SEGMENT on a socket without UDP checksums (udp(7)).
  int one = 1;
  ASSERT_EQ(setsockopt(tx->fd(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);
  cells_round_trip(*tx, *rx, 20, 1000, 1000);
  EXPECT_FALSE(tx->gso());
  EXPECT_EQ(tx->gso_state().refused, 1u);
  EXPECT_EQ(tx->gso_state().refused_errno, EINVAL);
  // Later batches take the plain path and still arrive.
  cells_round_trip(*tx, *rx, 20, 1000, 1000);
  EXPECT_EQ(tx->gso_state().refused, 1u);
}

}  // namespace
}  // namespace ainet::io
