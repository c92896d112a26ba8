// "Nothing on the packet path allocates", for the udp carrier's socket I/O:
// a GSO send of a batch of cells and the GRO receive that cuts them apart
// make no heap allocation (C++ or OpenSSL). The batches are allocated before.
// The same for the TUN offloads: TCP coalescing and segmentation.
#include <gtest/gtest.h>
#include <poll.h>

#include <vector>

#include "io/tcp_coalescing.h"
#include "io/tcp_segmentation.h"
#include "io/tun_offload_io.h"
#include "io/udp_offload.h"
#include "io/udp_socket.h"
#include "support/allocation_counter.h"
#include "wire/checksum.h"

namespace ainet::io {
namespace {

TEST(IoNoAlloc, CountersAreLive) {
  EXPECT_GT(test::allocations_during([] { ::operator delete(::operator new(16)); }).cxx, 0);
}

TEST(IoNoAlloc, UdpGsoSendAndGroReceive) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  std::string why;
  rx->enable_offloads(why);
  tx->enable_offloads(why);
  const SocketAddress to = *rx->local_address();
  PacketBatch out, in(32, kGroBufferSize);
  for (int round = 0; round < 3; ++round) {  // the first round warms nothing up: all must be 0
    out.clear();
    for (size_t i = 0; i < out.capacity(); ++i) {
      MutByteSpan b = out.next_buffer();
      for (size_t k = 0; k < 1365; ++k) b[k] = static_cast<uint8_t>(i + k);
      out.commit(1365, to);
    }
    size_t sent = 0, got = 0, sum = 0;
    const test::Allocations send_allocs = test::allocations_during([&] {
      auto r = tx->send(out);
      if (r) sent = r->done;
    });
    EXPECT_EQ(sent, out.capacity());
    EXPECT_EQ(send_allocs.total(), 0) << "send, round " << round;
    pollfd p{rx->fd(), POLLIN, 0};
    while (got < sent && poll(&p, 1, 1000) == 1) {
      const test::Allocations recv_allocs = test::allocations_during([&] {
        auto r = rx->recv(in);
        if (!r) return;
        got += r->done;
        for (size_t j = 0; j < in.size(); ++j)
          for (size_t s = 0; s < segment_count(in.packet(j).size(), in.segment_size(j)); ++s)
            sum += segment_at(in.packet(j), in.segment_size(j), s)[0];
      });
      EXPECT_EQ(recv_allocs.total(), 0) << "receive, round " << round;
    }
    EXPECT_EQ(got, sent);
  }
  EXPECT_TRUE(tx->gso() || !why.empty());
}

// One IPv4 TCP segment (ACK, DF) with valid checksums, into `b`.
void tcp_segment_v4(Bytes& b, uint32_t seq, size_t payload) {
  b.assign(40 + payload, 0);
  b[0] = 0x45;
  store_be16(&b[2], static_cast<uint16_t>(b.size()));
  b[6] = 0x40;
  b[8] = 64;
  b[9] = 6;
  b[12] = 10, b[15] = 1, b[16] = 10, b[19] = 2;
  store_be16(&b[10], wire::internet_checksum(ByteSpan(b.data(), 20)));
  store_be16(&b[20], 1234);
  store_be16(&b[22], 80);
  store_be32(&b[24], seq);
  b[32] = 0x50;
  b[33] = 0x10;
  for (size_t i = 0; i < payload; ++i) b[40 + i] = static_cast<uint8_t>(i);
  wire::InternetChecksum c;
  c.add(ByteSpan(&b[12], 8));
  c.add_u16(6);
  c.add_u16(static_cast<uint16_t>(b.size() - 20));
  c.add(ByteSpan(&b[20], b.size() - 20));
  store_be16(&b[36], c.finish());
}

TEST(IoNoAlloc, TunTcpCoalesceAndSegment) {
  std::vector<Bytes> segs(40);
  for (size_t i = 0; i < segs.size(); ++i)
    tcp_segment_v4(segs[i], static_cast<uint32_t>(i * 1400), 1400);
  Bytes out(kVirtioNetHdrSize + 65535);
  PacketBatch cells(64, 1100);
  for (int round = 0; round < 3; ++round) {
    size_t joined = 0, cut = 0;
    const test::Allocations a = test::allocations_during([&] {
      TcpCoalescer co(out);
      if (!co.start(segs[0])) return;
      for (size_t i = 1; i < segs.size() && co.append(segs[i]); ++i) {
      }
      joined = co.segments();
      ByteSpan w = co.finish();
      auto h = parse_virtio_net_hdr(w);
      if (!h) return;
      cells.clear();
      auto n = tcp_segment_into(*h, w.subspan(kVirtioNetHdrSize), 1000, cells);
      if (n) cut = *n;
    });
    EXPECT_EQ(joined, segs.size());
    EXPECT_EQ(cut, 56u);  // 56000 payload bytes at 1000 per cell
    EXPECT_EQ(a.total(), 0) << "round " << round;
  }
}

// The daemons' TUN glue (io/tun_offload_io.h): a super-packet taken into a
// batch (in parts, the rest moved in place) and the batch coalesced back
// into writes, all without allocating.
TEST(IoNoAlloc, TunOffloadTakeAndCoalesce) {
  std::vector<Bytes> segs(40);
  for (size_t i = 0; i < segs.size(); ++i)
    tcp_segment_v4(segs[i], static_cast<uint32_t>(i * 1400), 1400);
  Bytes out(kVirtioNetHdrSize + 65535);
  TcpCoalescer co(out);
  ASSERT_TRUE(co.start(segs[0]));
  for (size_t i = 1; i < segs.size(); ++i) ASSERT_TRUE(co.append(segs[i]));
  const ByteSpan w = co.finish();
  const Bytes super(w.begin(), w.end());
  TunOffloadIo io(1100);
  PacketBatch batch(32, 2048);
  Bytes read;
  read.reserve(super.size());
  for (int round = 0; round < 3; ++round) {
    read.assign(super.begin(), super.end());
    size_t taken = 0, written = 0, writes = 0;
    const test::Allocations a = test::allocations_during([&] {
      MutByteSpan r(read);
      for (int part = 0; part < 4; ++part) {
        batch.clear();
        auto t = io.take(r, batch);
        if (!t) return;
        taken += t->datagrams;
        const BatchCounts c = io.coalesce(batch, [&](ByteSpan, ByteSpan) {
          ++writes;
          return true;
        });
        written += c.done;
        if (t->rest == 0) break;
        r = r.subspan(t->rest);
      }
    });
    EXPECT_EQ(taken, 53u);  // 56000 payload bytes at 1060 per datagram
    EXPECT_EQ(written, taken);
    EXPECT_EQ(writes, 2u);  // 32 + 21 segments, one write each
    EXPECT_EQ(a.total(), 0) << "round " << round;
  }
}

}  // namespace
}  // namespace ainet::io
