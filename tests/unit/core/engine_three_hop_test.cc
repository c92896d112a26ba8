// Three AINs wired by hand: a 3-hop ANT carries IPv4 and IPv6 datagrams both
// ways, and a DESTROY leaves no state at any hop.
#include <gtest/gtest.h>

#include "engine_test_net.h"

namespace ainet::core {
namespace {

using namespace testnet;  // Net, addr, udp_datagram, count_events, drops

// Sends `dgram` from the customer and returns what the exit delivered locally.
Bytes forward_one(Net& net, const Bytes& dgram) {
  const size_t before = net.fx_of(3).local.size();
  net.customer_send(dgram, dgram[0] >> 4 == 6 ? 41 : 4);
  net.run();
  EXPECT_EQ(net.fx_of(3).local.size(), before + 1);
  return net.fx_of(3).local.empty() ? Bytes{} : net.fx_of(3).local.back();
}

void check_roundtrip(Net& net, const IpAddress& src, const IpAddress& dst, const char* text) {
  const Bytes payload(text, text + std::strlen(text));
  const Bytes dgram = udp_datagram(src, dst, payload);
  const Bytes out = forward_one(net, dgram);
  auto info = wire::parse_ip_packet(out);
  ASSERT_TRUE(info.ok());
  // Local delivery: the source is a pool address (per ANT), the rest intact.
  EXPECT_EQ(info->dst, dst);
  EXPECT_NE(info->src, src);
  EXPECT_TRUE((src.is_v4() ? IpPrefix::parse("10.77.0.0/24") : IpPrefix::parse("fd77::/64"))
                  ->contains(info->src));
  EXPECT_EQ(out.size(), dgram.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), out.end() - static_cast<long>(payload.size())));

  // The reply from the Internet comes back to the pool address.
  const char* back = "reply from the responder";
  const Bytes rpay(back, back + std::strlen(back));
  const Bytes reply = udp_datagram(dst, info->src, rpay);
  const size_t got = net.customer().received.size();
  net.ain(3).handle_local(net.now, reply, net.fx_of(3));
  net.run();
  ASSERT_EQ(net.customer().received.size(), got + 1);
  const Bytes& r = net.customer().received.back();
  auto rinfo = wire::parse_ip_packet(r);
  ASSERT_TRUE(rinfo.ok());
  EXPECT_EQ(rinfo->src, dst);
  EXPECT_EQ(rinfo->dst, src);  // the original inner source is restored
  EXPECT_TRUE(std::equal(rpay.begin(), rpay.end(), r.end() - static_cast<long>(rpay.size())));
  // The restored datagram still has a valid UDP checksum.
  wire::InternetChecksum c;
  c.add(rinfo->src.bytes());
  c.add(rinfo->dst.bytes());
  c.add_u16(17);
  c.add_u16(static_cast<uint16_t>(r.size() - rinfo->payload_offset));
  c.add(ByteSpan(r).subspan(rinfo->payload_offset));
  EXPECT_EQ(c.finish(), 0);
}

class ThreeHop : public ::testing::TestWithParam<Carrier> {};

TEST_P(ThreeHop, CarriesIpv4AndIpv6BothWaysThenDestroyCleansEveryHop) {
  Net net(3, GetParam());
  std::vector<StateCounts> baseline;
  for (size_t i = 1; i <= 3; ++i) baseline.push_back(net.ain(i).state_counts());

  check_roundtrip(net, addr("192.168.1.5"), addr("198.51.100.7"), "hello over ipv4");
  check_roundtrip(net, addr("fd00::5"), addr("2001:db8::7"), "hello over ipv6");
  // A second datagram of the same pair reuses the ANT.
  check_roundtrip(net, addr("192.168.1.5"), addr("198.51.100.7"), "again");

  // Two ANTs (one per inner pair), each 3 hops.
  ASSERT_EQ(net.ain(1).ants().size(), 2u);
  ASSERT_EQ(net.ain(2).ants().size(), 2u);
  ASSERT_EQ(net.ain(3).ants().size(), 2u);
  for (const auto& a : net.ain(1).ants()) {
    EXPECT_EQ(a.role, AntInfo::Role::entrance);
    EXPECT_TRUE(a.up);
    EXPECT_EQ(a.route, (std::vector<NodeId>{1, 2, 3}));
    EXPECT_EQ(a.next, 2u);
    EXPECT_EQ(a.prev, 0u);
  }
  // An intermediate knows only its previous and next hop (paper §4.3).
  for (const auto& a : net.ain(2).ants()) {
    EXPECT_EQ(a.role, AntInfo::Role::intermediate);
    EXPECT_EQ(a.prev, 1u);
    EXPECT_EQ(a.next, 3u);
    EXPECT_TRUE(a.route.empty());
    EXPECT_TRUE(a.inner_src.is_unspecified());
    EXPECT_TRUE(a.inner_dst.is_unspecified());
    EXPECT_NE(a.spi_in_fwd, a.spi_out_fwd);  // fresh SPI per hop
  }
  for (const auto& a : net.ain(3).ants()) {
    EXPECT_EQ(a.role, AntInfo::Role::exit);
    EXPECT_EQ(a.prev, 2u);
    EXPECT_EQ(a.next, 0u);
  }
  EXPECT_EQ(count_events(net.fx_of(1), EventKind::ant_up), 2u);
  EXPECT_EQ(net.ain(1).stats().ants_created, 2u);

  // DESTROY from the entrance (ainctl) runs along the whole ANT.
  const uint64_t h = net.ain(1).ants()[0].handle;
  ASSERT_EQ(net.ain(1).destroy_ant(net.now, h, net.fx_of(1)), Errc::ok);
  net.run();
  for (size_t i = 1; i <= 3; ++i) EXPECT_EQ(net.ain(i).ants().size(), 1u) << "AIN " << i;
  // The other one via the customer's control message over its tunnel.
  const auto other = net.ain(1).ants()[0];
  Bytes ctl(wire::kCustomerControlSize);
  ASSERT_EQ(wire::serialize_customer_control({wire::CustomerCommand::destroy, other.inner_src, other.inner_dst}, ctl),
            Errc::ok);
  net.customer_send(ctl, wire::kProtoOnion);
  net.run();
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_TRUE(net.ain(i).ants().empty()) << "AIN " << i;
    EXPECT_EQ(net.ain(i).state_counts(), baseline[i - 1]) << "AIN " << i;
  }
  EXPECT_EQ(count_events(net.fx_of(1), EventKind::ant_down), 2u);
  // A DESTROY for an ANT that is gone does nothing (and is counted).
  EXPECT_EQ(net.ain(1).destroy_ant(net.now, h, net.fx_of(1)), Errc::not_found);
}

INSTANTIATE_TEST_SUITE_P(Carriers, ThreeHop, ::testing::Values(Carrier::ip, Carrier::udp),
                         [](const auto& i) { return i.param == Carrier::ip ? "ip" : "udp"; });

TEST(EngineThreeHop, IdleTimeoutRemovesStateAtEveryHop) {
  Net net(3);
  std::vector<StateCounts> baseline;
  for (size_t i = 1; i <= 3; ++i) baseline.push_back(net.ain(i).state_counts());
  forward_one(net, udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(10, 1)));
  ASSERT_EQ(net.ain(2).ants().size(), 1u);
  // Keepalives keep the PVTs up; the ANT idles out after 60 s everywhere.
  net.advance_to(net.now + Duration::s(61));
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_TRUE(net.ain(i).ants().empty()) << "AIN " << i;
    EXPECT_EQ(net.ain(i).state_counts().ants, 0u);
    EXPECT_EQ(net.ain(i).state_counts(), baseline[i - 1]) << "AIN " << i;
    for (const auto& p : net.ain(i).pvts()) EXPECT_TRUE(p.up);
  }
}

TEST(EngineThreeHop, TamperedAndReplayedCellsAreDroppedAndCounted) {
  Net net(3);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(10, 1));
  forward_one(net, d);  // the ANT is up
  // Hold back the next cell from AIN 1 to AIN 2.
  Bytes held;
  net.tap = [&](testnet::Wire& w) {
    if (w.to == Net::ain_addr(2) && w.from == Net::ain_addr(1) && held.empty()) {
      held = w.bytes;
      return false;
    }
    return true;
  };
  net.customer_send(d, 4);
  net.run();
  net.tap = nullptr;
  // IPv4 | AH (AES-GMAC: 12 + IV 8 + tag 16, RFC 4543 §4) | cell: every cell the same size
  ASSERT_EQ(held.size(), 20u + 36u + 1400u);
  const size_t delivered = net.fx_of(3).local.size();
  // Tampered (one cell byte): AH fails, nothing moves on, the window stays.
  Bytes bad = held;
  bad[bad.size() - 100] ^= 1;
  // Only packets an SA accepted may update a peer's NAT mapping
  // (Effects::peer_authenticated): count them around each input.
  auto& auth2 = net.fx_of(2).authenticated;
  auth2.clear();
  net.ain(2).handle_packet(net.now, bad, net.fx_of(2));
  EXPECT_TRUE(auth2.empty());
  net.run();
  EXPECT_EQ(drops(net.ain(2), Errc::auth_failed), 1u);
  EXPECT_EQ(net.fx_of(3).local.size(), delivered);
  // The genuine packet still goes through ...
  auth2.clear();
  net.ain(2).handle_packet(net.now, held, net.fx_of(2));
  ASSERT_EQ(auth2.size(), 1u);
  EXPECT_EQ(auth2[0], Net::ain_addr(1));
  net.run();
  EXPECT_EQ(net.fx_of(3).local.size(), delivered + 1);
  // ... once: a replay is dropped.
  auth2.clear();
  net.ain(2).handle_packet(net.now, held, net.fx_of(2));
  EXPECT_TRUE(auth2.empty());
  net.run();
  EXPECT_EQ(drops(net.ain(2), Errc::replay), 1u);
  EXPECT_EQ(net.fx_of(3).local.size(), delivered + 1);
  // Garbage and truncated input.
  auth2.clear();
  net.ain(2).handle_packet(net.now, Bytes{0x45, 0, 0}, net.fx_of(2));
  net.ain(2).handle_packet(net.now, Bytes{}, net.fx_of(2));
  EXPECT_TRUE(auth2.empty());
  EXPECT_EQ(net.ain(2).ants().size(), 1u);
  EXPECT_EQ(net.fx_of(3).local.size(), delivered + 1);
}

TEST(EngineThreeHop, PvtDownDestroysAntsAndComesBackUp) {
  Net net(3);
  forward_one(net, udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(10, 1)));
  ASSERT_EQ(net.ain(3).ants().size(), 1u);
  // Cut the link 2 <-> 3 both ways.
  bool cut = true;
  net.tap = [&](testnet::Wire& w) {
    const bool on_link = (w.from == Net::ain_addr(2) && w.to == Net::ain_addr(3)) ||
                         (w.from == Net::ain_addr(3) && w.to == Net::ain_addr(2));
    return !(cut && on_link);
  };
  net.advance_to(net.now + Duration::s(4));
  EXPECT_TRUE(net.ain(1).ants().empty());
  EXPECT_TRUE(net.ain(2).ants().empty());
  EXPECT_TRUE(net.ain(3).ants().empty());
  EXPECT_GE(count_events(net.fx_of(2), EventKind::pvt_down), 1u);
  EXPECT_EQ(count_events(net.fx_of(1), EventKind::ant_down), 1u);
  cut = false;
  net.advance_to(net.now + Duration::s(2));
  for (const auto& p : net.ain(2).pvts()) EXPECT_TRUE(p.up) << p.peer;
  // A new datagram builds a new ANT.
  forward_one(net, udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(10, 2)));
  EXPECT_EQ(net.ain(3).ants().size(), 1u);
}

// The customer host's link-scoped chatter (an IPv6 router solicitation, mDNS,
// a broadcast) never becomes an ANT: it is dropped and counted at the entrance.
TEST(EngineThreeHop, LinkScopedCustomerTrafficBuildsNoAnt) {
  Net net(3);
  const std::pair<const char*, const char*> pairs[] = {{"fe80::1", "ff02::2"},        {"fd00:99::1", "ff02::1"},
                                                       {"fe80::1", "2001:db8::1"},    {"192.168.1.5", "224.0.0.251"},
                                                       {"192.168.1.5", "255.255.255.255"}, {"169.254.3.3", "198.51.100.7"},
                                                       {"0.0.0.0", "198.51.100.7"}};
  for (const auto& [s, d] : pairs) {
    const Bytes dg = udp_datagram(addr(s), addr(d), Bytes(8, 1));
    net.customer_send(dg, dg[0] >> 4 == 6 ? 41 : 4);
  }
  net.run();
  EXPECT_TRUE(net.ain(1).ants().empty());
  EXPECT_TRUE(net.ain(2).ants().empty());
  EXPECT_EQ(net.ain(1).stats().not_routable, std::size(pairs));
  EXPECT_EQ(drops(net.ain(1), Errc::unsupported), std::size(pairs));
  // Ordinary traffic still builds its ANT.
  forward_one(net, udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(8, 1)));
}

TEST(EngineThreeHop, CustomerPacketFromWrongAddressIsDropped) {
  Net net(3);
  Bytes out(70000);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(10, 1));
  auto sealed = net.customer().bundle.seal(d, 4, out, *std::make_unique<crypto::DeterministicRng>(3));
  ASSERT_TRUE(sealed.ok());
  Bytes pkt(sealed->begin(), sealed->end());
  // Rewrite the outer source (AH covers it, so this also fails AH); the
  // engine refuses it by address before any crypto.
  pkt[15] = 99;
  store_be16(&pkt[10], 0);
  store_be16(&pkt[10], wire::internet_checksum(ByteSpan(pkt).first(20)));
  net.ain(1).handle_packet(net.now, pkt, net.fx_of(1));
  EXPECT_EQ(net.ain(1).stats().source_mismatch, 1u);
  EXPECT_TRUE(net.ain(1).ants().empty());
}

}  // namespace
}  // namespace ainet::core

namespace ainet::core {
namespace {

// Every packet seen on the wire during a round trip, mutated at random and
// fed back to random AINs: all are dropped and counted, nothing is delivered,
// nothing crashes and no state appears.
TEST(EngineThreeHop, MutatedWireTrafficIsAlwaysDropped) {
  Net net(3);
  std::vector<testnet::Wire> seen;
  net.tap = [&](testnet::Wire& w) {
    seen.push_back(w);
    return true;
  };
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(40, 3));
  net.customer_send(d, 4);
  net.run();
  ASSERT_EQ(net.fx_of(3).local.size(), 1u);
  auto reply = udp_datagram(addr("198.51.100.7"), wire::parse_ip_packet(net.fx_of(3).local[0])->src, Bytes(9, 1));
  net.ain(3).handle_local(net.now, reply, net.fx_of(3));
  net.run();
  net.tap = nullptr;
  ASSERT_GE(seen.size(), 6u);  // CREATE, CREATED x2 links, data both ways

  std::vector<StateCounts> before;
  std::vector<uint64_t> dropped_before;
  for (size_t i = 1; i <= 3; ++i) {
    before.push_back(net.ain(i).state_counts());
    uint64_t n = 0;
    for (auto v : net.ain(i).stats().drops) n += v;
    dropped_before.push_back(n);
  }
  crypto::DeterministicRng rng(99);
  const size_t local = net.fx_of(3).local.size(), got = net.customer().received.size();
  const int kRounds = 3000;
  for (int k = 0; k < kRounds; ++k) {
    Bytes b = seen[rng.uniform(seen.size())].bytes;
    switch (rng.uniform(4)) {
      case 0: b[rng.uniform(b.size())] ^= static_cast<uint8_t>(1 + rng.uniform(255)); break;
      case 1: b.resize(rng.uniform(b.size())); break;
      case 2: rng.fill(MutByteSpan(b).subspan(20 + rng.uniform(b.size() - 20))); break;
      default: break;  // plain replay
    }
    const size_t to = 1 + rng.uniform(3);
    net.ain(to).handle_packet(net.now, b, net.fx_of(to));
    net.wire.clear();  // whatever an AIN answers (e.g. CREATE_FAILED) goes nowhere
  }
  uint64_t dropped = 0;
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(net.ain(i).state_counts(), before[i - 1]) << i;
    uint64_t n = 0;
    for (auto v : net.ain(i).stats().drops) n += v;
    dropped += n - dropped_before[i - 1];
  }
  EXPECT_EQ(dropped, static_cast<uint64_t>(kRounds));
  EXPECT_EQ(net.fx_of(3).local.size(), local);
  EXPECT_EQ(net.customer().received.size(), got);
}

}  // namespace
}  // namespace ainet::core
