// AinNode + the real engine over loopback UDP (udp carrier): the port replies
// go to moves only when one of the AIN's SAs authenticated the packet
// (Effects::peer_authenticated; RFC 3948 §3, RFC 7296 §2.23). A forged packet
// from a new port and a replay of a genuine packet from a third port change
// nothing; a genuine packet from a new port (a NAT remapped the customer)
// moves the replies there. Runs in a fresh network namespace.
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <array>
#include <cstring>
#include <memory>

#include "core/directory.h"
#include "core/engine.h"
#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "daemon/ain_node.h"
#include "support/loopback_udp_peer.h"
#include "unit/io/netns_child.h"
#include "wire/constants.h"

namespace ainet::daemon {
namespace {

using test::LoopbackUdpPeer;

core::BundleKeys keys(crypto::Rng& rng, uint32_t spi_base) {
  core::BundleKeys k;
  k.esp_spi = spi_base | 1;
  k.ah_spi = spi_base | 2;
  k.esp_key.resize(36);
  k.ah_key.resize(32);
  rng.fill(k.esp_key);
  rng.fill(k.ah_key);
  return k;
}

// Hands every waiting carrier packet to the node.
void pump(AinNode& node, Time now) {
  for (int i = 0; i < 10; ++i) {
    std::vector<pollfd> p;
    for (int fd : node.carrier().fds()) p.push_back({fd, POLLIN, 0});
    if (::poll(p.data(), p.size(), i == 0 ? 500 : 50) <= 0) return;
    for (const pollfd& x : p)
      if (x.revents & POLLIN) node.on_carrier_readable(x.fd, now);
  }
}

TEST(AinNodeNat, OnlyAuthenticatedPacketsMoveTheReplyPort) {
  RUN_IN_NETNS([] {
    crypto::SystemRng rng;
    const auto lo = *wire::IpAddress::parse("127.0.0.1");
    const Time now = Time{} + Duration::s(100);

    // One AIN (id 1) with one customer (id 10) at 127.0.0.1, udp carrier.
    auto onion = crypto::x25519_generate(rng);
    core::AinEntry e;
    e.id = 1;
    e.name = "ain1";
    e.address = lo;
    e.onion_key = onion.pub;
    auto load = core::make_directory(1, 4102444800, {e});
    CHILD_CHECK(load.ok());
    auto dir = std::make_shared<const core::Directory>(std::move(load.directory));
    AindConfig cfg;
    cfg.engine.self = 1;
    cfg.engine.onion_private = onion.priv;
    cfg.engine.carrier = core::Carrier::udp;
    core::CustomerConfig cu;
    cu.id = 10;
    cu.name = "natted";
    cu.tunnel_address = lo;
    cu.out = keys(rng, 0x00010000);  // AIN -> customer
    cu.in = keys(rng, 0x00020000);   // customer -> AIN
    cfg.engine.customers.push_back(cu);
    auto engine = core::Engine::create(cfg.engine, dir, rng, now);
    CHILD_CHECK(engine);
    std::vector<std::string> warnings;
    auto carrier = CarrierIo::open(core::Carrier::udp, 4500, warnings);
    CHILD_CHECK(carrier);
    auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_st>());
    AinNode node(cfg, std::move(engine).value(), dir, std::move(carrier).value(), std::nullopt, *log, now);

    // The customer's end of its tunnel seals one genuine packet (an ESP
    // dummy, RFC 4303 §2.6: authenticated, then discarded by the engine).
    auto bundle = core::TunnelBundle::create(core::Carrier::udp, cu.in, cu.out, lo, lo, 64);
    CHILD_CHECK(bundle);
    std::array<uint8_t, 2048> out{};
    const uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    auto sealed = bundle->seal(payload, wire::kProtoNoNext, out, rng);
    CHILD_CHECK(sealed);
    const Bytes genuine(sealed->begin(), sealed->end());
    // A forgery: the customer's SPI, a fresh sequence number, junk.
    Bytes forged(genuine.size(), 0x5a);
    std::memcpy(forged.data(), genuine.data(), 4);
    forged[7] = 99;

    LoopbackUdpPeer forger(40001), customer(40002), replayer(40003);
    CHILD_CHECK(forger.ok() && customer.ok() && replayer.ok());
    const auto drops = [&] {
      uint64_t n = 0;
      for (const auto& [k, v] : node.status().drops) n += v;
      return n;
    };

    // ainctl customers: the configured port until a packet authenticates.
    CHILD_CHECK(node.list_customers().size() == 1);
    CHILD_CHECK(node.list_customers()[0].udp_port == 4500 && !node.list_customers()[0].udp_port_learned);

    // 1. Forged, new port: dropped, replies still go to 4500.
    CHILD_CHECK(forger.send(forged));
    pump(node, now);
    CHILD_CHECK(drops() == 1);
    CHILD_CHECK(node.carrier().peer_port(lo) == 4500);
    CHILD_CHECK(!node.list_customers()[0].udp_port_learned);

    // 2. Genuine, from the NAT-mapped port 40002: replies go there now.
    CHILD_CHECK(customer.send(genuine));
    pump(node, now);
    CHILD_CHECK(drops() == 1);
    CHILD_CHECK(node.carrier().peer_port(lo) == 40002);
    // ainctl shows the port learned from the NAT.
    CHILD_CHECK(node.list_customers()[0].udp_port == 40002 && node.list_customers()[0].udp_port_learned);

    // 3. The genuine packet replayed from yet another port: the SA's
    //    anti-replay window refuses it (RFC 4303 §3.4.3), nothing moves.
    CHILD_CHECK(replayer.send(genuine));
    pump(node, now);
    CHILD_CHECK(drops() == 2);
    CHILD_CHECK(node.carrier().peer_port(lo) == 40002);

    // 4. The forger again: still 40002.
    CHILD_CHECK(forger.send(forged));
    pump(node, now);
    CHILD_CHECK(drops() == 3);
    CHILD_CHECK(node.carrier().peer_port(lo) == 40002);

    // A packet the engine sends to the customer reaches port 40002 only.
    const uint8_t reply[16] = {0, 1, 0, 1};
    node.send_packet(lo, reply);
    node.on_timer(now);  // flushes
    const auto got = customer.receive();
    CHILD_CHECK(got && got->size() == sizeof reply);
    CHILD_CHECK(!forger.receive());
    CHILD_CHECK(!replayer.receive());

    // The metrics say the same as ainctl: every drop by reason, the
    // customer's packets, the carrier's packets and bytes both ways.
    const std::string m = node.metrics_text();
    for (const auto& [reason, n] : node.status().drops)
      CHILD_CHECK(m.find("ainet_drops_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n") != std::string::npos);
    CHILD_CHECK(m.find("ainet_carrier_packets_total{direction=\"in\"} 4\n") != std::string::npos);
    CHILD_CHECK(m.find("ainet_carrier_packets_total{direction=\"out\"} 1\n") != std::string::npos);
    CHILD_CHECK(m.find("ainet_carrier_bytes_total{direction=\"out\"} 16\n") != std::string::npos);
    CHILD_CHECK(m.find("ainet_customer_packets_total{customer=\"10\",direction=\"in\"} 1\n") != std::string::npos);
    return 0;
  });
}

}  // namespace
}  // namespace ainet::daemon
