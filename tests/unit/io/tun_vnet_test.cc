// A real TUN with IFF_VNET_HDR and TSO offered (TunOffload::kVnetHdr), in a
// network namespace of its own (root only; skipped otherwise): the test plays
// the remote TCP peer by hand on the TUN, the kernel's TCP sends a bulk
// transfer through it as super-packets, and io/tcp_segmentation cuts them at
// a cell-sized MSS. Every segment is checked with checksums computed here
// (RFC 1071), and the bytes received must be the bytes sent.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "io/packet_batch.h"
#include "io/tcp_coalescing.h"
#include "io/tcp_segmentation.h"
#include "io/tun_device.h"
#include "io/unique_fd.h"
#include "io/virtio_net_hdr.h"
#include "netns_child.h"
#include "support/reference_checksum.h"

namespace ainet::io {
namespace {

using test::fold;
using test::sum16;

// IPv4 only here (the TUN carries 10.9.0.0/24).
bool ipv4_tcp_checksums_ok(const uint8_t* ip, size_t len) {
  const size_t ihl = size_t{ip[0] & 0xfu} * 4;
  if (fold(sum16(ip, ihl)) != 0xffff) return false;
  const uint32_t pseudo = sum16(ip + 12, 8) + 6 + static_cast<uint32_t>(len - ihl);
  return fold(pseudo + sum16(ip + ihl, len - ihl)) == 0xffff;
}

bool set_ipv4(const std::string& ifname, const char* addr, const char* mask) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sin->sin_addr);
  bool ok = ioctl(s, SIOCSIFADDR, &ifr) == 0;
  inet_pton(AF_INET, mask, &sin->sin_addr);
  ok = ok && ioctl(s, SIOCSIFNETMASK, &ifr) == 0;
  ::close(s);
  return ok;
}

constexpr uint8_t kPeer[4] = {10, 9, 0, 2};  // the hand-played TCP peer
constexpr uint8_t kHost[4] = {10, 9, 0, 1};  // the kernel's address on the TUN
constexpr uint16_t kPeerPort = 5001;

// A virtio header of zeros (plain packet, checksums complete) + IPv4 + TCP
// from the peer to the host, checksummed here.
Bytes peer_packet(uint16_t host_port, uint32_t seq, uint32_t ack, uint8_t flags, ByteSpan options,
                  ByteSpan payload = {}) {
  Bytes b(kVirtioNetHdrSize + 20 + 20 + options.size() + payload.size(), 0);
  uint8_t* p = b.data() + kVirtioNetHdrSize;
  p[0] = 0x45;
  store_be16(p + 2, static_cast<uint16_t>(b.size() - kVirtioNetHdrSize));
  p[6] = 0x40;  // DF
  p[8] = 64;
  p[9] = 6;
  std::memcpy(p + 12, kPeer, 4);
  std::memcpy(p + 16, kHost, 4);
  store_be16(p + 10, static_cast<uint16_t>(~fold(sum16(p, 20))));
  uint8_t* t = p + 20;
  store_be16(t, kPeerPort);
  store_be16(t + 2, host_port);
  store_be32(t + 4, seq);
  store_be32(t + 8, ack);
  t[12] = static_cast<uint8_t>(((20 + options.size()) / 4) << 4);
  t[13] = flags;
  store_be16(t + 14, 0xffff);  // window (scaled by the SYN-ACK's shift 7)
  if (!options.empty()) std::memcpy(t + 20, options.data(), options.size());
  if (!payload.empty()) std::memcpy(t + 20 + options.size(), payload.data(), payload.size());
  const size_t tcp_len = 20 + options.size() + payload.size();
  store_be16(t + 16,
             static_cast<uint16_t>(
                 ~fold(sum16(p + 12, 8) + 6 + static_cast<uint32_t>(tcp_len) + sum16(t, tcp_len))));
  return b;
}

bool from_host_tcp(ByteSpan pkt) {
  return pkt.size() >= 40 && (pkt[0] >> 4) == 4 && pkt[9] == 6 &&
         std::memcmp(&pkt[16], kPeer, 4) == 0 &&
         load_be16(&pkt[size_t{pkt[0] & 0xfu} * 4 + 2]) == kPeerPort;
}

TEST(TunVnet, KernelSuperPacketsSegmentedAtCellSize) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("ainv%d", TunOffload::kVnetHdr);
    CHILD_CHECK(tun);
    CHILD_CHECK(tun->vnet_hdr());
    CHILD_CHECK(tun->set_mtu(1500).ok());
    CHILD_CHECK(set_ipv4(tun->name(), "10.9.0.1", "255.255.255.0"));
    CHILD_CHECK(tun->set_up().ok());

    UniqueFd cli(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHILD_CHECK(cli);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kPeerPort);
    std::memcpy(&to.sin_addr, kPeer, 4);
    int rc = ::connect(cli.get(), reinterpret_cast<sockaddr*>(&to), sizeof to);
    CHILD_CHECK(rc == 0 || errno == EINPROGRESS);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    Bytes rbuf(kVirtioNetHdrSize + 65536);
    auto read_one = [&](VirtioNetHdr& h, ByteSpan& pkt) -> bool {  // bounded by the poll
      pollfd pf{tun->fd(), POLLIN, 0};
      if (poll(&pf, 1, 100) != 1) return false;
      auto n = tun->read(rbuf);
      if (!n || *n < kVirtioNetHdrSize) return false;
      h = *parse_virtio_net_hdr(ByteSpan(rbuf.data(), *n));
      pkt = ByteSpan(rbuf.data() + kVirtioNetHdrSize, *n - kVirtioNetHdrSize);
      return true;
    };

    // The SYN, then the hand-made SYN-ACK (MSS 1460, window shift 7, RFC 7323 §2).
    uint16_t host_port = 0;
    uint32_t host_isn = 0;
    for (int i = 0; i < 100 && host_port == 0; ++i) {
      VirtioNetHdr h;
      ByteSpan pkt;
      if (!read_one(h, pkt)) continue;
      CHILD_CHECK(validate_virtio_net_hdr(h, pkt) == Errc::ok);
      if (!from_host_tcp(pkt) || !(pkt[20 + 13] & 0x02)) continue;
      host_port = load_be16(&pkt[20]);
      host_isn = load_be32(&pkt[24]);
    }
    CHILD_CHECK(host_port != 0);
    const uint32_t peer_isn = 7000;
    const uint8_t synack_opts[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
    CHILD_CHECK(tun->write(peer_packet(host_port, peer_isn, host_isn + 1, 0x12, synack_opts)).ok());

    // Bulk data from the host's TCP; the peer ACKs what it got in order.
    constexpr size_t kTotal = 200000;
    constexpr size_t kCellPayload = 1000;  // stands in for the cell-bounded MSS
    Bytes data(kTotal);
    for (size_t i = 0; i < kTotal; ++i) data[i] = static_cast<uint8_t>(i * 13 + i / 509);
    Bytes got;
    got.reserve(kTotal);
    size_t sent = 0, super_packets = 0, largest = 0, segments = 0;
    PacketBatch batch(80, 1100);
    for (int iter = 0; iter < 5000 && got.size() < kTotal; ++iter) {
      CHILD_CHECK(std::chrono::steady_clock::now() < deadline);
      if (sent < kTotal) {
        ssize_t n = ::send(cli.get(), data.data() + sent, kTotal - sent, MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<size_t>(n);
      }
      VirtioNetHdr h;
      ByteSpan pkt;
      bool any = false;
      while (read_one(h, pkt)) {
        CHILD_CHECK(validate_virtio_net_hdr(h, pkt) == Errc::ok);
        if (!from_host_tcp(pkt)) continue;
        if (h.is_gso()) {
          ++super_packets;
          largest = std::max(largest, pkt.size());
        }
        batch.clear();
        auto n = tcp_segment_into(h, pkt, kCellPayload, batch);
        CHILD_CHECK(n);
        for (size_t i = 0; i < batch.size(); ++i) {
          ByteSpan s = batch.packet(i);
          CHILD_CHECK(ipv4_tcp_checksums_ok(s.data(), s.size()));
          const size_t hdr = 20 + static_cast<size_t>(s[32] >> 4) * 4;
          CHILD_CHECK(s.size() - hdr <= kCellPayload);
          ++segments;
          const uint32_t seq = load_be32(&s[24]);
          if (seq == host_isn + 1 + got.size())  // in order (the TUN does not reorder)
            got.insert(got.end(), s.begin() + static_cast<long>(hdr), s.end());
        }
        any = true;
        if (got.size() >= kTotal) break;
      }
      if (any) {
        const uint32_t ack = host_isn + 1 + static_cast<uint32_t>(got.size());
        CHILD_CHECK(tun->write(peer_packet(host_port, peer_isn + 1, ack, 0x10, {})).ok());
      }
    }
    std::fprintf(stderr,
                 "tun_vnet: %zu bytes, %zu super-packets (largest %zu bytes), %zu segments\n",
                 got.size(), super_packets, largest, segments);
    CHILD_CHECK(got.size() == kTotal);
    CHILD_CHECK(got == data);
    CHILD_CHECK(super_packets > 0);  // the kernel did hand over TSO packets
    CHILD_CHECK(largest > 1500);
    CHILD_CHECK(segments >= kTotal / kCellPayload);
    return 0;
  });
}

// The other direction: the peer's segments joined by TcpCoalescer go into
// the kernel as ONE write of a GSO super-packet with a partial checksum, and
// a local TCP socket receives every byte.
TEST(TunVnet, CoalescedSuperPacketAcceptedByKernelTcp) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("ainv%d", TunOffload::kVnetHdr);
    CHILD_CHECK(tun);
    CHILD_CHECK(tun->set_mtu(1500).ok());
    CHILD_CHECK(set_ipv4(tun->name(), "10.9.0.1", "255.255.255.0"));
    CHILD_CHECK(tun->set_up().ok());
    constexpr uint16_t kHostPort = 6000;
    UniqueFd lis(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHILD_CHECK(lis);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(kHostPort);
    std::memcpy(&at.sin_addr, kHost, 4);
    CHILD_CHECK(::bind(lis.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    CHILD_CHECK(::listen(lis.get(), 4) == 0);

    const uint32_t peer_isn = 9000;
    const uint8_t syn_opts[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};  // MSS 1460, window shift 7
    CHILD_CHECK(tun->write(peer_packet(kHostPort, peer_isn, 0, 0x02, syn_opts)).ok());
    Bytes rbuf(kVirtioNetHdrSize + 65536);
    uint32_t host_isn = 0;
    bool synack = false;
    for (int i = 0; i < 50 && !synack; ++i) {
      pollfd pf{tun->fd(), POLLIN, 0};
      if (poll(&pf, 1, 100) != 1) continue;
      auto n = tun->read(rbuf);
      if (!n || *n < kVirtioNetHdrSize + 40) continue;
      ByteSpan pkt(rbuf.data() + kVirtioNetHdrSize, *n - kVirtioNetHdrSize);
      if (!from_host_tcp(pkt) || pkt[20 + 13] != 0x12) continue;
      host_isn = load_be32(&pkt[24]);
      synack = true;
    }
    CHILD_CHECK(synack);
    CHILD_CHECK(tun->write(peer_packet(kHostPort, peer_isn + 1, host_isn + 1, 0x10, {})).ok());
    pollfd lp{lis.get(), POLLIN, 0};
    CHILD_CHECK(poll(&lp, 1, 2000) == 1);
    UniqueFd conn(::accept4(lis.get(), nullptr, nullptr, SOCK_NONBLOCK));
    CHILD_CHECK(conn);

    constexpr size_t kSegs = 40, kPayload = 1000;
    Bytes data(kSegs * kPayload);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 11 + i / 263);
    Bytes out(kVirtioNetHdrSize + 65535);
    TcpCoalescer co(out);
    for (size_t i = 0; i < kSegs; ++i) {
      const uint32_t seq = peer_isn + 1 + static_cast<uint32_t>(i * kPayload);
      const uint8_t flags = i + 1 == kSegs ? 0x18 : 0x10;
      Bytes seg = peer_packet(kHostPort, seq, host_isn + 1, flags, {},
                              ByteSpan(data).subspan(i * kPayload, kPayload));
      ByteSpan ip = ByteSpan(seg).subspan(kVirtioNetHdrSize);
      CHILD_CHECK(i == 0 ? co.start(ip) : co.append(ip));
    }
    CHILD_CHECK(co.segments() == kSegs);
    ByteSpan w = co.finish();
    CHILD_CHECK(w[1] == kVnetGsoTcpV4);
    CHILD_CHECK(tun->write(w).ok());  // one write for 40 segments

    Bytes got(data.size());
    size_t have = 0;
    for (int i = 0; i < 100 && have < data.size(); ++i) {
      pollfd cp{conn.get(), POLLIN, 0};
      if (poll(&cp, 1, 100) != 1) continue;
      ssize_t n = ::recv(conn.get(), got.data() + have, got.size() - have, 0);
      if (n > 0) have += static_cast<size_t>(n);
    }
    std::fprintf(stderr, "tun_vnet: kernel TCP received %zu of %zu bytes from one super-packet\n",
                 have, data.size());
    CHILD_CHECK(have == data.size());
    CHILD_CHECK(got == data);
    return 0;
  });
}

TEST(TunVnet, OpensWithoutVnetByDefault) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("ainv%d");
    CHILD_CHECK(tun);
    CHILD_CHECK(!tun->vnet_hdr());
    return 0;
  });
}

}  // namespace
}  // namespace ainet::io
