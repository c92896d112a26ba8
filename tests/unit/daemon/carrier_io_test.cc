// CarrierIo picks the right socket for each packet and hands received ones
// over in the engine's form (whole IP packet / sender + UDP payload). Runs in
// a fresh network namespace so port 4500 and raw sockets are ours alone.
#include "daemon/carrier_io.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>

#include "support/loopback_udp_peer.h"
#include "unit/io/netns_child.h"

namespace ainet::daemon {
namespace {

// Waits until one of fds is readable and returns it (-1 on timeout).
int wait_any(const std::vector<int>& fds) {
  std::vector<pollfd> p;
  for (int fd : fds) p.push_back({fd, POLLIN, 0});
  if (poll(p.data(), p.size(), 1000) <= 0) return -1;
  for (const pollfd& x : p)
    if (x.revents & POLLIN) return x.fd;
  return -1;
}

TEST(CarrierIo, UdpCarrierSendsToPort4500AndReportsTheSender) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::udp, 4500, warnings);
    CHILD_CHECK(c);
    CHILD_CHECK((*c)->fds().size() == 2);  // IPv4 and IPv6
    const uint8_t esp[12] = {0, 0, 1, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd};
    (*c)->queue(*wire::IpAddress::parse("127.0.0.1"), esp);
    (*c)->queue(*wire::IpAddress::parse("::1"), esp);
    (*c)->flush();
    CHILD_CHECK((*c)->counters().sent == 2);
    int got = 0;
    for (int i = 0; i < 2; ++i) {
      int fd = wait_any((*c)->fds());
      CHILD_CHECK(fd >= 0);
      (*c)->receive(fd, [&](const std::optional<wire::IpAddress>& src, ByteSpan p) {
        CHILD_CHECK_VOID(src && (src->to_string() == "127.0.0.1" || src->to_string() == "::1"));
        CHILD_CHECK_VOID(p.size() == sizeof esp && std::memcmp(p.data(), esp, sizeof esp) == 0);
        ++got;
      });
    }
    CHILD_CHECK(got == 2);
    return 0;
  });
}

TEST(CarrierIo, IpCarrierRoutesByVersionAndNextHeader) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::ip, 0, warnings);
    CHILD_CHECK(c);
    CHILD_CHECK((*c)->fds().size() == 4);  // {v4, v6} x {AH, ESP}
    // IPv6 ::1 -> ::1, next header 50 (ESP), 8-byte payload.
    uint8_t v6[48] = {0x60, 0, 0, 0, 0, 8, 50, 64};
    v6[23] = 1;
    v6[39] = 1;
    std::memset(v6 + 40, 0x77, 8);
    // Garbage (version 5) is dropped and counted, not sent.
    const uint8_t junk[20] = {0x50};
    (*c)->queue(*wire::IpAddress::parse("::1"), ByteSpan(v6, sizeof v6));
    (*c)->queue(*wire::IpAddress::parse("::1"), ByteSpan(junk, sizeof junk));
    (*c)->flush();
    CHILD_CHECK((*c)->counters().sent == 1);
    CHILD_CHECK((*c)->counters().send_dropped == 1);
    int fd = wait_any((*c)->fds());
    CHILD_CHECK(fd >= 0);
    bool same = false;
    (*c)->receive(fd, [&](const std::optional<wire::IpAddress>& src, ByteSpan p) {
      // ip carrier: no separate sender; the whole packet, header rebuilt.
      same = !src && p.size() == sizeof v6 && std::memcmp(p.data(), v6, sizeof v6) == 0;
    });
    CHILD_CHECK(same);
    return 0;
  });
}

using test::LoopbackUdpPeer;

// An ESP-looking datagram (SPI 256, seq 1) whose 9th byte is a tag.
Bytes tagged_esp(uint8_t tag) { return Bytes{0, 0, 1, 0, 0, 0, 0, 1, tag, 0, 0, 0}; }
// The tag of the datagram waiting at p within 200 ms, or -1 if none arrives.
int received_tag(const LoopbackUdpPeer& p) {
  const auto r = p.receive();
  return r && r->size() >= 9 ? (*r)[8] : -1;
}

// RFC 3948 §3 / RFC 7296 §2.23: replies follow a peer's port only once a
// packet from that port was authenticated. receive() reports the port but
// learns nothing itself; the sink (aind: AinNode on
// Effects::peer_authenticated) decides. A forged packet from a new port does
// not move where replies go; an authenticated one does, and a forger after it
// cannot move it back.
TEST(CarrierIo, UdpRepliesGoToTheLastAuthenticatedPortOnly) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::udp, 4500, warnings);
    CHILD_CHECK(c);
    CarrierIo& io = **c;
    io.set_peer_capacity(2);
    LoopbackUdpPeer forger(40001), peer(40002);
    CHILD_CHECK(forger.ok() && peer.ok());
    const auto lo = *wire::IpAddress::parse("127.0.0.1");
    const uint8_t reply[12] = {0, 0, 2, 0, 0, 0, 0, 1, 0x77, 0, 0, 0};

    // Receives one packet; `authentic` plays the engine's verdict.
    auto handle_one = [&](bool authentic, uint16_t expect_port) -> bool {
      const int fd = wait_any(io.fds());
      if (fd < 0) return false;
      bool ok = false;
      io.receive(fd, [&](const std::optional<wire::IpAddress>& src, uint16_t port, ByteSpan) {
        ok = src && *src == lo && port == expect_port;
        if (ok && authentic) io.learn_peer_port(*src, port);
      });
      return ok;
    };
    // Drains CarrierIo's own 4500 socket: a reply to 127.0.0.1:4500 loops back there.
    auto reply_hit_4500 = [&]() -> bool {
      const int fd = wait_any(io.fds());
      if (fd < 0) return false;
      bool hit = false;
      io.receive(fd, [&](const std::optional<wire::IpAddress>&, uint16_t port, ByteSpan p) {
        hit = port == 4500 && p.size() == sizeof reply && p[8] == 0x77;
      });
      return hit;
    };
    auto send_reply = [&] {
      io.queue(lo, reply);
      io.flush();
    };

    // 1. A forged (unauthenticated) packet from port 40001: the reply still
    //    goes to 4500, nothing reaches the forger.
    CHILD_CHECK(forger.send(tagged_esp(1)));
    CHILD_CHECK(handle_one(false, 40001));
    CHILD_CHECK(io.peer_port(lo) == 4500);
    send_reply();
    CHILD_CHECK(reply_hit_4500());
    CHILD_CHECK(received_tag(forger) == -1);

    // 2. An authenticated packet from port 40002: replies go there now.
    CHILD_CHECK(peer.send(tagged_esp(2)));
    CHILD_CHECK(handle_one(true, 40002));
    CHILD_CHECK(io.peer_port(lo) == 40002);
    send_reply();
    CHILD_CHECK(received_tag(peer) == 0x77);

    // 3. The forger again: the mapping stays with the authenticated port.
    CHILD_CHECK(forger.send(tagged_esp(3)));
    CHILD_CHECK(handle_one(false, 40001));
    send_reply();
    CHILD_CHECK(received_tag(peer) == 0x77);
    CHILD_CHECK(received_tag(forger) == -1);
    CHILD_CHECK(io.counters().sent == 3);
    return 0;
  });
}

// udp carrier offloads: a batch of equal-size cells to one peer leaves as
// GSO sends and comes back (the peer is ourselves, 127.0.0.1:4500) as GRO
// buffers, which receive() cuts into the original datagrams, in order, with
// a shorter last one (an IKE message to the same peer) kept apart.
TEST(CarrierIo, UdpCellsGoOutWithGsoAndComeBackCutFromGroBuffers) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::udp, 4500, warnings);
    CHILD_CHECK(c);
    CarrierIo& io = **c;
    if (!io.gso() || !io.gro()) return 0;  // old kernel: the plain path, tested above
    const auto lo = *wire::IpAddress::parse("127.0.0.1");
    constexpr size_t kCells = 100, kCell = 1365, kTail = 300;
    std::vector<uint8_t> p(kCell);
    for (size_t i = 0; i <= kCells; ++i) {
      for (size_t k = 0; k < p.size(); ++k) p[k] = static_cast<uint8_t>(i * 3 + k);
      io.queue(lo, ByteSpan(p.data(), i < kCells ? kCell : kTail));
    }
    io.flush();
    CHILD_CHECK(io.counters().sent == kCells + 1);
    CHILD_CHECK(io.counters().send_dropped == 0);
    size_t next = 0;
    bool ok = true;
    for (int round = 0; round < 50 && next <= kCells; ++round) {
      const int fd = wait_any(io.fds());
      if (fd < 0) break;
      io.receive(fd, [&](const std::optional<wire::IpAddress>& src, uint16_t port, ByteSpan d) {
        const size_t want = next < kCells ? kCell : kTail;
        ok = ok && src && *src == lo && port == 4500 && d.size() == want;
        for (size_t k = 0; ok && k < d.size(); ++k) ok = d[k] == static_cast<uint8_t>(next * 3 + k);
        ++next;
      });
    }
    CHILD_CHECK(ok);
    CHILD_CHECK(next == kCells + 1);
    CHILD_CHECK(io.counters().received == kCells + 1);
    CHILD_CHECK(io.counters().bytes_received == kCells * kCell + kTail);
    CHILD_CHECK(io.counters().gso_refused == 0);
    // The offload was used: the queue flushes at 64 packets, and a GSO send
    // holds at most 65487 / 1365 = 47 cells: 47 + 17, then 36 + the tail
    // = 3 sends. At least one GRO buffer held several datagrams.
    CHILD_CHECK(io.counters().gso_sends == 3);
    CHILD_CHECK(io.counters().gro_buffers >= 1);
    return 0;
  });
}

// [network] send_thread: the same cells through the send thread
// (io/send_pipeline.h): flushed in small groups, they all arrive, in order,
// and the send counters (written on the send thread) add up after drain().
TEST(CarrierIo, SendThreadDeliversEveryCellInOrderAndCountsThem) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::udp, 4500, warnings, /*send_thread=*/true);
    CHILD_CHECK(c);
    CarrierIo& io = **c;
    CHILD_CHECK(!io.send_thread());
    io.start_send_thread();
    CHILD_CHECK(io.send_thread());
    const auto lo = *wire::IpAddress::parse("127.0.0.1");
    constexpr size_t kCells = 1000, kCell = 1365;
    std::vector<uint8_t> p(kCell);
    size_t next = 0;
    bool ok = true;
    auto take = [&](int timeout_rounds) {
      for (int round = 0; round < timeout_rounds && next < kCells; ++round) {
        const int fd = wait_any(io.fds());
        if (fd < 0) break;
        io.receive(fd, [&](const std::optional<wire::IpAddress>& src, ByteSpan d) {
          ok = ok && src && *src == lo && d.size() == kCell;
          for (size_t k = 0; ok && k < d.size(); ++k)
            ok = d[k] == static_cast<uint8_t>(next * 5 + k);
          ++next;
        });
      }
    };
    for (size_t i = 0; i < kCells; ++i) {
      for (size_t k = 0; k < p.size(); ++k) p[k] = static_cast<uint8_t>(i * 5 + k);
      io.queue(lo, p);
      if (i % 10 == 9) io.flush();
      if (i % 200 == 199) {  // keep the socket buffer from filling
        io.drain();
        take(1);
      }
    }
    io.flush();
    io.drain();
    take(200);
    CHILD_CHECK(ok);
    CHILD_CHECK(next == kCells);
    CHILD_CHECK(io.counters().sent == kCells);
    CHILD_CHECK(io.counters().bytes_sent == kCells * kCell);
    CHILD_CHECK(io.counters().send_dropped == 0);
    CHILD_CHECK(io.pipeline_stats().batches >= kCells / 64);
    return 0;
  });
}

// The ip carrier has no ports: learning is a no-op there.
TEST(CarrierIo, IpCarrierLearnsNoPorts) {
  RUN_IN_NETNS([] {
    std::vector<std::string> warnings;
    auto c = CarrierIo::open(core::Carrier::ip, 0, warnings);
    CHILD_CHECK(c);
    (*c)->set_peer_capacity(4);
    (*c)->learn_peer_port(*wire::IpAddress::parse("127.0.0.1"), 40002);
    CHILD_CHECK((*c)->peer_ports().size() == 0);
    return 0;
  });
}

}  // namespace
}  // namespace ainet::daemon
