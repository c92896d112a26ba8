#include "io/raw_ip_socket.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>

#include "netns_child.h"

namespace ainet::io {
namespace {

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1;
}

uint16_t ipv4_header_checksum(const uint8_t* h) {  // RFC 1071
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// An AH-protocol IPv4 packet 127.0.0.1 -> 127.0.0.1 with a recognisable payload.
size_t make_ipv4_packet(uint8_t* p, size_t payload) {
  const size_t len = 20 + payload;
  std::memset(p, 0, 20);
  p[0] = 0x45;
  store_be16(p + 2, static_cast<uint16_t>(len));
  store_be16(p + 4, 0x1234);  // non-zero ID: the kernel keeps it
  p[8] = 64;
  p[9] = kIpProtoAh;
  p[12] = 127, p[15] = 1;
  p[16] = 127, p[19] = 1;
  store_be16(p + 10, ipv4_header_checksum(p));
  for (size_t i = 0; i < payload; ++i) p[20 + i] = static_cast<uint8_t>(i ^ 0x5a);
  return len;
}

size_t make_ipv6_packet(uint8_t* p, size_t payload, uint8_t hop_limit) {
  std::memset(p, 0, 40);
  p[0] = 0x60;
  store_be16(p + 4, static_cast<uint16_t>(payload));
  p[6] = kIpProtoAh;
  p[7] = hop_limit;
  p[23] = 1;  // src ::1
  p[39] = 1;  // dst ::1
  for (size_t i = 0; i < payload; ++i) p[40 + i] = static_cast<uint8_t>(i ^ 0xa5);
  return 40 + payload;
}

// Sends pkt (its own header names the peer) on tx; true if exactly it went
// out and rx then received one packet into `in`.
bool send_one_receive_one(RawIpSocket& tx, RawIpSocket& rx, ByteSpan pkt, PacketBatch& in) {
  PacketBatch out(4, 2048);
  if (!out.push(pkt, SocketAddress{})) return false;
  auto sent = tx.send(out);
  if (!sent || sent->done != 1 || sent->dropped != 0 || !wait_readable(rx.fd())) return false;
  auto got = rx.recv(in);
  return got && got->done == 1;
}

TEST(RawIpSocket, Ipv4HeaderGoesOutAndComesBackByteExact) {
  RUN_IN_NETNS([] {
    auto rx = RawIpSocket::open(AF_INET, kIpProtoAh);
    auto tx = RawIpSocket::open(AF_INET, kIpProtoAh);
    CHILD_CHECK(rx && tx);
    uint8_t pkt[200];
    const size_t len = make_ipv4_packet(pkt, 180);
    PacketBatch in(4, 2048);
    CHILD_CHECK(send_one_receive_one(*tx, *rx, ByteSpan(pkt, len), in));
    CHILD_CHECK(in.packet(0).size() == len);
    CHILD_CHECK(std::memcmp(in.packet(0).data(), pkt, len) == 0);
    CHILD_CHECK(in.peer(0) == *SocketAddress::parse("127.0.0.1"));
    return 0;
  });
}

TEST(RawIpSocket, Ipv6HeaderIsRebuiltOnReceiveAndMatchesTheSentOne) {
  RUN_IN_NETNS([] {
    auto rx = RawIpSocket::open(AF_INET6, kIpProtoAh);
    auto tx = RawIpSocket::open(AF_INET6, kIpProtoAh);
    CHILD_CHECK(rx && tx);
    uint8_t pkt[300];
    const size_t len = make_ipv6_packet(pkt, 250, 33);
    PacketBatch in(4, 2048);
    CHILD_CHECK(send_one_receive_one(*tx, *rx, ByteSpan(pkt, len), in));
    // Same bytes: hop limit 33 (sent via IPV6_HOPLIMIT), flow label 0,
    // payload length, next header 51, ::1 -> ::1, payload.
    CHILD_CHECK(in.packet(0).size() == len);
    CHILD_CHECK(std::memcmp(in.packet(0).data(), pkt, len) == 0);
    return 0;
  });
}

TEST(RawIpSocket, SendDropsPacketsThatAreNotOfTheSocketsFamilyOrProtocol) {
  RUN_IN_NETNS([] {
    auto v4 = RawIpSocket::open(AF_INET, kIpProtoAh);
    auto v6 = RawIpSocket::open(AF_INET6, kIpProtoEsp);
    CHILD_CHECK(v4 && v6);
    uint8_t p6[100], p4[100];
    const size_t l6 = make_ipv6_packet(p6, 40, 64);  // next header 51, socket is 50
    const size_t l4 = make_ipv4_packet(p4, 40);
    PacketBatch out(4, 2048);
    CHILD_CHECK(out.push(ByteSpan(p6, l6), SocketAddress{}));
    CHILD_CHECK(out.push(ByteSpan(p4, l4), SocketAddress{}));
    auto r6 = v6->send(out);
    CHILD_CHECK(r6 && r6->done == 0 && r6->dropped == 2);
    out.clear();
    p4[3] ^= 1;  // total length no longer matches
    CHILD_CHECK(out.push(ByteSpan(p4, l4), SocketAddress{}));
    auto r4 = v4->send(out);
    CHILD_CHECK(r4 && r4->done == 0 && r4->dropped == 1);
    return 0;
  });
}

}  // namespace
}  // namespace ainet::io
