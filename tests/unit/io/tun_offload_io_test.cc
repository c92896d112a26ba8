// TunOffloadIo (io/tun_offload_io.h), without a TUN: take() turns a read
// (virtio header + packet) into batch datagrams, coalesce() turns a batch
// into TUN writes; read_batch()/write_batch() over a SOCK_SEQPACKET pair
// standing in for the TUN (one message per packet, as a TUN). Segments are checked against
// independent computations written here (RFC 1071 sums, expected header fields).
#include "io/tun_offload_io.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "io/unique_fd.h"
#include "io/virtio_net_hdr.h"
#include "support/reference_checksum.h"

namespace ainet::io {
namespace {

using test::fold;
using test::pseudo_sum;
using test::sum16;

bool ipv4_header_ok(const uint8_t* p) {
  return fold(sum16(p, 20)) == 0xffff;
}
bool tcp_checksum_ok(ByteSpan ip) {
  return fold(pseudo_sum(ip.data(), true, ip.size() - 20) +
              sum16(ip.data() + 20, ip.size() - 20)) == 0xffff;
}

constexpr uint8_t kAck = 0x10, kPsh = 0x08, kFin = 0x01, kCwr = 0x80;

// A read as the TUN hands it over: virtio header then an IPv4 TCP packet
// (IHL 5, 20-byte TCP header) with `payload` patterned bytes; GSO when
// gso_size != 0 (NEEDS_CSUM, the pseudo-header sum in the checksum field),
// else a plain packet with a partial checksum.
Bytes make_read(size_t payload, uint16_t gso_size, uint8_t flags, uint32_t seq = 1000,
                uint16_t id = 7) {
  Bytes r(kVirtioNetHdrSize + 40 + payload, 0);
  uint8_t* p = r.data() + kVirtioNetHdrSize;
  p[0] = 0x45;
  store_be16(p + 2, static_cast<uint16_t>(40 + payload));
  store_be16(p + 4, id);
  p[6] = 0x40;
  p[8] = 64;
  p[9] = 6;
  const uint8_t a[8] = {10, 9, 0, 1, 10, 9, 0, 2};
  std::memcpy(p + 12, a, 8);
  store_be16(p + 10, static_cast<uint16_t>(~fold(sum16(p, 20))));
  uint8_t* t = p + 20;
  store_be16(t, 40000);
  store_be16(t + 2, 443);
  store_be32(t + 4, seq);
  store_be32(t + 8, 77);
  t[12] = 0x50;
  t[13] = flags;
  store_be16(t + 14, 501);
  for (size_t i = 0; i < payload; ++i) t[20 + i] = static_cast<uint8_t>(i * 7 + i / 251);
  store_be16(t + 16, fold(pseudo_sum(p, true, 20 + payload)));
  VirtioNetHdr h;
  h.flags = kVnetFlagNeedsCsum;
  h.gso_type = gso_size ? kVnetGsoTcpV4 : kVnetGsoNone;
  h.hdr_len = 40;
  h.gso_size = gso_size;
  h.csum_start = 20;
  h.csum_offset = 16;
  EXPECT_TRUE(ok(write_virtio_net_hdr(h, r)));
  return r;
}

uint8_t payload_byte(size_t i) {
  return static_cast<uint8_t>(i * 7 + i / 251);
}

// Checks the datagrams [from, batch.size()) as consecutive segments starting
// at payload offset `off`; returns the payload bytes they carry.
size_t check_run(const PacketBatch& b, size_t from, size_t off, size_t max_datagram,
                 uint16_t first_id) {
  size_t total = 0;
  for (size_t i = from; i < b.size(); ++i) {
    const ByteSpan s = b.packet(i);
    EXPECT_LE(s.size(), max_datagram);
    EXPECT_EQ(load_be16(s.data() + 2), s.size());
    EXPECT_EQ(load_be16(s.data() + 4), static_cast<uint16_t>(first_id + (i - from)));
    EXPECT_TRUE(ipv4_header_ok(s.data()));
    EXPECT_TRUE(tcp_checksum_ok(s)) << "segment " << i;
    EXPECT_EQ(load_be32(s.data() + 24), 1000 + off + total);
    for (size_t k = 40; k < s.size(); ++k)
      if (s[k] != payload_byte(off + total + k - 40)) {
        ADD_FAILURE() << "payload byte " << off + total + k - 40;
        return total;
      }
    total += s.size() - 40;
  }
  return total;
}

TEST(TunOffloadIo, SuperPacketIsCutAtTheDatagramBound) {
  TunOffloadIo io(576);
  PacketBatch batch(TunOffloadIo::batch_slots(576));
  Bytes r = make_read(10000, 1400, kAck | kPsh);
  auto t = io.take(r, batch);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rest, 0u);
  EXPECT_EQ(t->datagrams, (10000 + 535) / 536);  // 576 - 40 bytes of headers
  EXPECT_EQ(check_run(batch, 0, 0, 576, 7), 10000u);
  for (size_t i = 0; i < batch.size(); ++i)  // PSH on the last only
    EXPECT_EQ(batch.packet(i)[33], i + 1 == batch.size() ? (kAck | kPsh) : kAck);
  EXPECT_EQ(io.counters().super_packets_in, 1u);
  EXPECT_EQ(io.counters().segments_in, batch.size());
}

TEST(TunOffloadIo, PlainPacketGetsItsChecksumCompleted) {
  TunOffloadIo io(1365);
  PacketBatch batch;
  Bytes r = make_read(300, 0, kAck);
  auto t = io.take(r, batch);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->datagrams, 1u);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.packet(0).size(), 340u);
  EXPECT_TRUE(tcp_checksum_ok(batch.packet(0)));
  EXPECT_EQ(io.counters().super_packets_in, 0u);
}

// More segments than free slots: the batch is filled, the rest is a valid
// super-packet of its own, and together they are exactly the original
// stream (sequence numbers, IDs, FIN/PSH on the very last, CWR on the first).
TEST(TunOffloadIo, SuperPacketLargerThanTheBatchIsTakenInParts) {
  TunOffloadIo io(1365);
  PacketBatch batch(4);
  Bytes r = make_read(20000, 1000, kAck | kPsh | kFin | kCwr);
  MutByteSpan read(r);
  size_t off = 0, parts = 0, first_seg = 0;
  std::vector<uint8_t> flags;
  while (true) {
    batch.clear();
    auto t = io.take(read, batch);
    ASSERT_TRUE(t);
    ASSERT_EQ(t->datagrams, batch.size());
    off += check_run(batch, 0, off, 1365, static_cast<uint16_t>(7 + first_seg));
    first_seg += batch.size();
    for (size_t i = 0; i < batch.size(); ++i) flags.push_back(batch.packet(i)[33]);
    ++parts;
    if (t->rest == 0) break;
    ASSERT_EQ(batch.size(), 4u);
    read = read.subspan(t->rest);
    ASSERT_LT(parts, 10u);
  }
  EXPECT_EQ(off, 20000u);
  EXPECT_EQ(parts, 5u);  // 20 segments of 1000, 4 at a time
  ASSERT_EQ(flags.size(), 20u);
  EXPECT_EQ(flags.front(), kAck | kCwr);
  for (size_t i = 1; i + 1 < flags.size(); ++i) EXPECT_EQ(flags[i], kAck) << i;
  EXPECT_EQ(flags.back(), kAck | kPsh | kFin);
  EXPECT_EQ(io.counters().super_packets_in, 1u);
  EXPECT_EQ(io.counters().segments_in, 20u);
}

TEST(TunOffloadIo, BadHeadersAreDroppedAndCountedByReason) {
  TunOffloadIo io(1365);
  PacketBatch batch;
  Bytes bad_flags = make_read(100, 0, kAck);
  bad_flags[0] = 0x80;
  EXPECT_EQ(io.take(bad_flags, batch).error(), Errc::malformed);
  Bytes udp_gso = make_read(3000, 1000, kAck);
  udp_gso[1] = kVnetGsoUdpL4;
  EXPECT_EQ(io.take(udp_gso, batch).error(), Errc::unsupported);
  Bytes short_read(5, 0);
  EXPECT_EQ(io.take(short_read, batch).error(), Errc::truncated);
  Bytes header_only(kVirtioNetHdrSize, 0);  // found by fuzz_tun_offload_io
  EXPECT_EQ(io.take(header_only, batch).error(), Errc::truncated);
  Bytes fragment = make_read(3000, 1000, kAck);
  store_be16(fragment.data() + kVirtioNetHdrSize + 6, 0x2000);  // MF
  EXPECT_EQ(io.take(fragment, batch).error(), Errc::unsupported);
  EXPECT_EQ(batch.size(), 0u);
  const auto& d = io.counters().dropped;
  EXPECT_EQ(d[static_cast<size_t>(Errc::malformed)], 1u);
  EXPECT_EQ(d[static_cast<size_t>(Errc::unsupported)], 2u);
  EXPECT_EQ(d[static_cast<size_t>(Errc::truncated)], 2u);
  EXPECT_EQ(io.counters().dropped_total(), 5u);
}

TEST(TunOffloadIo, FullBatchIsNotADrop) {
  TunOffloadIo io(1365);
  PacketBatch batch(1);
  Bytes r = make_read(100, 0, kAck);
  ASSERT_TRUE(io.take(r, batch));
  EXPECT_EQ(io.take(r, batch).error(), Errc::buffer_too_small);
  EXPECT_EQ(io.counters().dropped_total(), 0u);
}

struct Write {
  Bytes bytes;
  VirtioNetHdr h;
};

// Segments cut from one super-packet go back into the TUN as ONE write; a
// packet of another kind in between ends the run and keeps its place.
TEST(TunOffloadIo, CoalesceJoinsRunsAndKeepsOrder) {
  TunOffloadIo io(1365);
  PacketBatch batch(TunOffloadIo::batch_slots(1365));
  Bytes a = make_read(8000, 1000, kAck | kPsh, 1000, 7);
  ASSERT_TRUE(io.take(a, batch));
  const size_t first = batch.size();  // 8 segments
  ASSERT_EQ(first, 8u);
  // A UDP datagram (cannot coalesce), then the same flow's next bytes.
  Bytes udp(28 + 10, 0);
  udp[0] = 0x45;
  store_be16(udp.data() + 2, static_cast<uint16_t>(udp.size()));
  udp[8] = 64;
  udp[9] = 17;
  store_be16(udp.data() + 10, static_cast<uint16_t>(~fold(sum16(udp.data(), 20))));
  ASSERT_TRUE(batch.push(udp, SocketAddress{}));
  Bytes b = make_read(3000, 1000, kAck, 9000, 15);
  ASSERT_TRUE(io.take(b, batch));
  std::vector<Write> writes;
  BatchCounts c = io.coalesce(batch, [&](ByteSpan head, ByteSpan body) {
    Write w;
    w.bytes.assign(head.begin(), head.end());
    w.bytes.insert(w.bytes.end(), body.begin(), body.end());
    w.h = *parse_virtio_net_hdr(w.bytes);
    writes.push_back(std::move(w));
    return true;
  });
  EXPECT_EQ(c.done, batch.size());
  EXPECT_EQ(c.dropped, 0u);
  ASSERT_EQ(writes.size(), 3u);
  // 1: the first super-packet again, whole: 8000 bytes of payload.
  EXPECT_EQ(writes[0].h.gso_kind(), kVnetGsoTcpV4);
  EXPECT_EQ(writes[0].h.gso_size, 1000);
  ASSERT_EQ(writes[0].bytes.size(), kVirtioNetHdrSize + 40 + 8000);
  for (size_t k = 0; k < 8000; ++k)
    ASSERT_EQ(writes[0].bytes[kVirtioNetHdrSize + 40 + k], payload_byte(k)) << k;
  // 2: the UDP datagram alone with a zero header.
  EXPECT_EQ(writes[1].h.flags, 0);
  EXPECT_EQ(writes[1].h.gso_type, kVnetGsoNone);
  EXPECT_EQ(ByteSpan(writes[1].bytes).subspan(kVirtioNetHdrSize).size(), udp.size());
  // 3: the second run.
  EXPECT_EQ(writes[2].h.gso_kind(), kVnetGsoTcpV4);
  EXPECT_EQ(writes[2].bytes.size(), kVirtioNetHdrSize + 40 + 3000);
  EXPECT_EQ(io.counters().super_packets_out, 2u);
  EXPECT_EQ(io.counters().segments_out, 11u);
}

TEST(TunOffloadIo, RefusedWritesCountTheirDatagrams) {
  TunOffloadIo io(1365);
  PacketBatch batch(TunOffloadIo::batch_slots(1365));
  Bytes a = make_read(5000, 1000, kAck);
  ASSERT_TRUE(io.take(a, batch));
  BatchCounts c = io.coalesce(batch, [](ByteSpan, ByteSpan) { return false; });
  EXPECT_EQ(c.done, 0u);
  EXPECT_EQ(c.dropped, 5u);
}

TEST(TunOffloadIo, BatchHoldsTheLargestSuperPacket) {
  for (size_t d : {576u, 1365u, 2048u}) {
    TunOffloadIo io(d);
    PacketBatch batch(TunOffloadIo::batch_slots(d));
    Bytes r = make_read(65535 - 40, 65535, kAck);
    auto t = io.take(r, batch);
    ASSERT_TRUE(t) << d;
    EXPECT_EQ(t->rest, 0u) << d;
    EXPECT_LE(io.reserve(), batch.capacity() - PacketBatch::kDefaultSlots + 0);
    EXPECT_EQ(check_run(batch, 0, 0, d, 7), 65535u - 40);
  }
}

// A TunDevice over one end of a SOCK_SEQPACKET pair; the test plays the
// kernel on the other end.
struct FakeTun {
  TunDevice tun;
  UniqueFd peer;
  static FakeTun make() {
    int sv[2] = {-1, -1};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    // Room for many 64 KB messages queued at once.
    const int big = 8 << 20;
    for (int fd : sv) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    return FakeTun{TunDevice::adopt(UniqueFd(sv[0]), "fake", true), UniqueFd(sv[1])};
  }
  void send(const Bytes& b) const {
    ASSERT_EQ(::send(peer.get(), b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  }
};

// A super-packet with more segments than the batch holds: the batch is
// filled, the rest waits (pending) and comes with the next call even
// without a new read; then reading goes on where it stopped.
TEST(TunOffloadIo, ReadBatchKeepsTheRestForTheNextCall) {
  FakeTun f = FakeTun::make();
  TunOffloadIo io(1365);
  PacketBatch batch(TunOffloadIo::batch_slots(1365));
  const size_t cap = batch.capacity();
  for (int i = 0; i < 3; ++i) f.send(make_read(100, 0, kAck, 50000 + 100 * i));
  f.send(make_read(200 * (cap + 30), 200, kAck | kPsh));  // cap + 30 segments of 200
  f.send(make_read(100, 0, kAck, 70000));
  auto r = io.read_batch(f.tun, batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->done, cap);
  EXPECT_EQ(batch.size(), cap);
  EXPECT_TRUE(io.pending());
  size_t off = check_run(batch, 3, 0, 1365, 7);
  EXPECT_EQ(off, 200 * (cap - 3));
  r = io.read_batch(f.tun, batch, /*read_more=*/false);
  ASSERT_TRUE(r);
  EXPECT_FALSE(io.pending());
  EXPECT_EQ(batch.size(), 33u);
  off += check_run(batch, 0, off, 1365, static_cast<uint16_t>(7 + cap - 3));
  EXPECT_EQ(off, 200 * (cap + 30));
  EXPECT_EQ(batch.packet(32)[33], kAck | kPsh);  // PSH on the very last segment only
  r = io.read_batch(f.tun, batch);               // the packet after it
  ASSERT_TRUE(r);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(load_be32(batch.packet(0).data() + 24), 70000u);
  EXPECT_EQ(io.counters().segments_in, cap + 30);
}

// Refused reads are dropped and counted, and one call reads at most a
// batch's capacity of packets (a flood of bad headers cannot hold the loop).
TEST(TunOffloadIo, ReadBatchIsBoundedUnderBadHeaders) {
  FakeTun f = FakeTun::make();
  TunOffloadIo io(1365);
  PacketBatch batch(TunOffloadIo::batch_slots(1365));
  Bytes bad = make_read(100, 0, kAck);
  bad[0] = 0x40;  // an unknown flag
  for (size_t i = 0; i < batch.capacity() + 10; ++i) f.send(bad);
  auto r = io.read_batch(f.tun, batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->done, 0u);
  EXPECT_EQ(r->dropped, batch.capacity());
  EXPECT_EQ(io.counters().dropped[static_cast<size_t>(Errc::malformed)], batch.capacity());
  r = io.read_batch(f.tun, batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dropped, 10u);
}

// write_batch: one message per joined run, lone datagrams behind a zero
// header, in the batch's order.
TEST(TunOffloadIo, WriteBatchWritesRunsInOrder) {
  FakeTun f = FakeTun::make();
  TunOffloadIo io(1365);
  PacketBatch batch(TunOffloadIo::batch_slots(1365));
  Bytes a = make_read(8000, 1000, kAck);
  ASSERT_TRUE(io.take(a, batch));
  Bytes lone = make_read(300, 0, kAck | kFin, 99999);  // FIN: never joined
  ASSERT_TRUE(io.take(lone, batch));
  auto r = io.write_batch(f.tun, batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->done, 9u);
  Bytes msg(TunOffloadIo::kBufferSize);
  ssize_t n = ::recv(f.peer.get(), msg.data(), msg.size(), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(kVirtioNetHdrSize + 40 + 8000));
  EXPECT_EQ(parse_virtio_net_hdr(msg)->gso_kind(), kVnetGsoTcpV4);
  n = ::recv(f.peer.get(), msg.data(), msg.size(), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(kVirtioNetHdrSize + 340));
  EXPECT_EQ(parse_virtio_net_hdr(msg)->flags, 0);
  EXPECT_EQ(parse_virtio_net_hdr(msg)->gso_type, kVnetGsoNone);
  EXPECT_EQ(load_be32(msg.data() + kVirtioNetHdrSize + 24), 99999u);
  EXPECT_TRUE(tcp_checksum_ok(ByteSpan(msg).subspan(kVirtioNetHdrSize, 340)));
  EXPECT_LT(::recv(f.peer.get(), msg.data(), msg.size(), 0), 0);  // nothing else
}

}  // namespace
}  // namespace ainet::io
