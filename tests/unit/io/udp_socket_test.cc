#include "io/udp_socket.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <set>

namespace ainet::io {
namespace {

// Waits until fd is readable (or 1 s passes).
bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1;
}

// Sends one full batch of distinct datagrams from a to b, receives them with
// recvmmsg and checks every byte, sender address and arrival address.
void batch_round_trip(int family) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(family, 0));
  ASSERT_TRUE(rx) << rx.error().message();
  auto tx = UdpSocket::bind(SocketAddress::loopback(family, 0));
  ASSERT_TRUE(tx) << tx.error().message();
  auto rx_addr = rx->local_address();
  auto tx_addr = tx->local_address();
  ASSERT_TRUE(rx_addr && tx_addr);
  ASSERT_NE(rx_addr->port(), 0);

  PacketBatch out;  // default 64 x 2048
  ASSERT_EQ(out.capacity(), 64u);
  for (size_t i = 0; i < out.capacity(); ++i) {
    MutByteSpan buf = out.next_buffer();
    const size_t len = 100 + i * 20;
    for (size_t k = 0; k < len; ++k) buf[k] = static_cast<uint8_t>(i * 7 + k);
    out.commit(len, *rx_addr);
  }
  auto sent = tx->send(out);
  ASSERT_TRUE(sent) << sent.error().message();
  EXPECT_EQ(sent->done, 64u);
  EXPECT_EQ(sent->dropped, 0u);

  PacketBatch in;
  std::set<size_t> seen;
  while (seen.size() < 64 && wait_readable(rx->fd())) {
    auto got = rx->recv(in);
    ASSERT_TRUE(got) << got.error().message();
    ASSERT_EQ(got->done, in.size());
    for (size_t j = 0; j < in.size(); ++j) {
      ByteSpan p = in.packet(j);
      const size_t i = (p.size() - 100) / 20;
      ASSERT_LT(i, 64u);
      ASSERT_EQ(p.size(), 100 + i * 20);
      for (size_t k = 0; k < p.size(); ++k) ASSERT_EQ(p[k], static_cast<uint8_t>(i * 7 + k));
      EXPECT_EQ(in.peer(j), *tx_addr);
      SocketAddress local_no_port = SocketAddress::from_ip(in.local(j).ip_bytes());
      EXPECT_EQ(local_no_port, SocketAddress::loopback(family, 0));
      seen.insert(i);
    }
  }
  EXPECT_EQ(seen.size(), 64u);
  // Nothing more is waiting: recv returns zero without blocking.
  auto none = rx->recv(in);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->done, 0u);
}

TEST(UdpSocket, BatchSendRecvIpv4Loopback) { batch_round_trip(AF_INET); }
TEST(UdpSocket, BatchSendRecvIpv6Loopback) { batch_round_trip(AF_INET6); }

// BatchCounts::drained: a receive that found the queue empty before its
// batch was full says so (the caller skips a read that could only say
// EAGAIN); a full batch does not (more may wait); EAGAIN does.
TEST(UdpSocket, RecvSaysWhetherTheQueueWasDrained) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  const uint8_t p[3] = {1, 2, 3};
  PacketBatch out(3, 64);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(out.push(p, *rx->local_address()));
  ASSERT_TRUE(tx->send(out));
  ASSERT_TRUE(wait_readable(rx->fd()));
  // Loopback delivers in the sender's system call: all 3 wait now.
  PacketBatch in(2, 64);
  auto full = rx->recv(in);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->done, 2u);
  EXPECT_FALSE(full->drained);
  auto rest = rx->recv(in);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->done, 1u);
  EXPECT_TRUE(rest->drained);
  auto none = rx->recv(in);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->done, 0u);
  EXPECT_TRUE(none->drained);
}

TEST(UdpSocket, DatagramLargerThanSlotIsDroppedAndCounted) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  PacketBatch out(2, 4096);
  std::vector<uint8_t> big(3000, 0x55), small(10, 0x66);
  ASSERT_TRUE(out.push(big, *rx->local_address()));
  ASSERT_TRUE(out.push(small, *rx->local_address()));
  ASSERT_TRUE(tx->send(out));
  PacketBatch in(4, 2048);
  size_t got = 0, dropped = 0;
  while (got + dropped < 2 && wait_readable(rx->fd())) {
    auto r = rx->recv(in);
    ASSERT_TRUE(r);
    got += r->done;
    dropped += r->dropped;
    for (size_t j = 0; j < in.size(); ++j) EXPECT_EQ(in.packet(j).size(), 10u);
  }
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(dropped, 1u);
}

TEST(UdpSocket, SendToUnroutableDestinationDropsOnlyThatPacket) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  PacketBatch out(3, 64);
  const uint8_t p[3] = {1, 2, 3};
  ASSERT_TRUE(out.push(p, *rx->local_address()));
  // A socket bound to 127.0.0.1 cannot reach a global address: EINVAL.
  ASSERT_TRUE(out.push(p, *SocketAddress::parse("192.0.2.1", 4500)));
  ASSERT_TRUE(out.push(p, *rx->local_address()));
  auto r = tx->send(out);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->done, 2u);
  EXPECT_EQ(r->dropped, 1u);
}

TEST(UdpSocket, BindConflictNamesTheAddress) {
  auto a = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(a);
  auto b = UdpSocket::bind(*a->local_address());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, EADDRINUSE);
  EXPECT_NE(b.error().message().find("bind 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace ainet::io

#include <sys/socket.h>

#include "io/socket_buffers.h"

namespace ainet::io {
namespace {

TEST(SocketBuffers, GrowsTheReceiveBuffer) {
  auto s = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(s);
  int before = 0;
  socklen_t len = sizeof before;
  ASSERT_EQ(getsockopt(s->fd(), SOL_SOCKET, SO_RCVBUF, &before, &len), 0);
  ASSERT_TRUE(set_socket_buffers(s->fd(), 4 << 20).ok());
  int after = 0;
  ASSERT_EQ(getsockopt(s->fd(), SOL_SOCKET, SO_RCVBUF, &after, &len), 0);
  EXPECT_GT(after, before);  // capped by rmem_max when not root, but still larger
  EXPECT_FALSE(set_socket_buffers(-1, 1).ok());
}

}  // namespace
}  // namespace ainet::io
