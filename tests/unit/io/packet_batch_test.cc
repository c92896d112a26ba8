#include "io/packet_batch.h"

#include <gtest/gtest.h>

namespace ainet::io {
namespace {

TEST(PacketBatch, PushUntilFullThenRefuses) {
  PacketBatch b(3, 16);
  const uint8_t p[4] = {1, 2, 3, 4};
  auto peer = *SocketAddress::parse("192.0.2.1", 4500);
  EXPECT_TRUE(b.push(p, peer));
  EXPECT_TRUE(b.push(p, peer));
  EXPECT_TRUE(b.push(p, peer));
  EXPECT_TRUE(b.full());
  EXPECT_FALSE(b.push(p, peer));
  EXPECT_TRUE(b.next_buffer().empty());
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.packet(2).size(), 4u);
  EXPECT_EQ(b.packet(2)[3], 4);
  EXPECT_EQ(b.peer(1), peer);
  b.clear();
  EXPECT_EQ(b.size(), 0u);
}

TEST(PacketBatch, RefusesPacketLargerThanSlot) {
  PacketBatch b(2, 8);
  uint8_t big[9] = {};
  EXPECT_FALSE(b.push(big, SocketAddress{}));
  EXPECT_EQ(b.size(), 0u);
}

TEST(PacketBatch, NextBufferCommitWritesInPlace) {
  PacketBatch b(2, 32);
  MutByteSpan buf = b.next_buffer();
  ASSERT_EQ(buf.size(), 32u);
  buf[0] = 0xab;
  b.commit(1, *SocketAddress::parse("::1", 9));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.packet(0)[0], 0xab);
  EXPECT_EQ(b.peer(0).to_string(), "[::1]:9");
}

TEST(SocketAddress, ParsesAndFormats) {
  EXPECT_EQ(SocketAddress::parse("10.1.2.3", 4500)->to_string(), "10.1.2.3:4500");
  EXPECT_EQ(SocketAddress::parse("2001:db8::1")->to_string(), "2001:db8::1");
  EXPECT_FALSE(SocketAddress::parse("10.1.2.300"));
  EXPECT_EQ(SocketAddress::loopback(AF_INET6, 1).to_string(), "[::1]:1");
  EXPECT_EQ(SocketAddress::from_ip(ByteSpan{}).family(), AF_UNSPEC);
}

}  // namespace
}  // namespace ainet::io
