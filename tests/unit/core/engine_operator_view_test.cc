// What an operator sees of and asks from a running engine (ainctl, e2e
// capture checking): TVT SA export with keys, per-hop counters that can be
// compared along a path, PVT byte counters and last-heard time, and ANTs on a
// route the operator chose.
#include <gtest/gtest.h>

#include "core/tvt_keys.h"

#include <map>

#include "engine_test_net.h"
#include "sa/security_association.h"

namespace ainet::core {
namespace {

using testnet::addr;
using testnet::Net;
using testnet::udp_datagram;

// AINs 1..4: 1-2-3 and 1-4-3; both 2 and 3 could be exits but only 3 is.
Net::Topology square() {
  Net::Topology t;
  t.n = 4;
  t.edges = {{1, 2}, {2, 3}, {1, 4}, {4, 3}};
  t.exits = {3};
  t.route_length = 3;
  return t;
}

void send_and_run(Net& net, const Bytes& d) {
  net.customer_send(d, d[0] >> 4 == 6 ? 41 : 4);
  net.run();
}

// An inbound SA for `info` built from nothing but the exported fields, as an
// independent checker would (sa.txt: spi, key, carrier, ESN, sequence).
std::unique_ptr<sa::SecurityAssociation> checker_sa(const TvtSaInfo& info, Carrier carrier,
                                                    uint64_t last_seen) {
  sa::SaConfig c;
  c.spi = info.spi;
  c.transform = tvt_transform(carrier, info.integrity);
  c.framing = carrier == Carrier::ip ? sa::Framing::ip : sa::Framing::udp;
  EXPECT_TRUE(info.key.has_value());
  if (!info.key || !c.keymat.assign(info.key->span())) return nullptr;
  c.esn = true;
  c.replay_window = 64;
  c.initial_seq = last_seen;
  c.local = info.dst;
  c.remote = info.src;
  auto s = sa::SecurityAssociation::create(c);
  EXPECT_TRUE(s.ok());
  return s ? std::move(*s) : nullptr;
}

class TvtExport : public ::testing::TestWithParam<Carrier> {};

TEST_P(TvtExport, ExportedKeysOpenTheCellsOnTheWireAndBothEndsAgree) {
  const Carrier carrier = GetParam();
  Net net(3, carrier);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(30, 4));
  send_and_run(net, d);
  ASSERT_EQ(net.fx_of(3).local.size(), 1u);

  // Entrance and exit hold one TVT (2 SAs), the relay two (4 SAs).
  const auto s1 = net.ain(1).tvt_sas(true), s2 = net.ain(2).tvt_sas(true), s3 = net.ain(3).tvt_sas(true);
  ASSERT_EQ(s1.size(), 2u);
  ASSERT_EQ(s2.size(), 4u);
  ASSERT_EQ(s3.size(), 2u);
  for (const auto& v : {s1, s2, s3})
    for (const TvtSaInfo& i : v) {
      ASSERT_TRUE(i.key.has_value());
      // RFC 4543 §8.1: AES-256-GMAC KEYMAT is key(32) || salt(4) (the default).
      EXPECT_EQ(i.integrity, TvtIntegrity::aes256_gmac);
      EXPECT_EQ(i.key->span().size(), 36u);
      EXPECT_EQ(i.carrier, carrier);
    }
  // Without key export no key leaves the engine.
  for (const TvtSaInfo& i : net.ain(2).tvt_sas(false)) EXPECT_FALSE(i.key.has_value());

  // Every SA is listed by both ends of its link with the same SPI, key and
  // mirrored addresses; one end sends on it, the other receives.
  std::map<uint32_t, std::vector<TvtSaInfo>> by_spi;
  for (const auto& v : {s1, s2, s3})
    for (const TvtSaInfo& i : v) by_spi[i.spi].push_back(i);
  ASSERT_EQ(by_spi.size(), 4u);
  for (const auto& [spi, pair] : by_spi) {
    ASSERT_EQ(pair.size(), 2u) << spi;
    EXPECT_NE(pair[0].inbound, pair[1].inbound);
    EXPECT_EQ(pair[0].forward, pair[1].forward);
    EXPECT_EQ(pair[0].src, pair[1].src);
    EXPECT_EQ(pair[0].dst, pair[1].dst);
    EXPECT_TRUE(std::equal(pair[0].key->span().begin(), pair[0].key->span().end(), pair[1].key->span().begin()));
  }
  // The two SAs of a link and the four keys of the path differ.
  std::vector<Bytes> keys;
  for (const auto& [spi, pair] : by_spi) keys.emplace_back(pair[0].key->span().begin(), pair[0].key->span().end());
  for (size_t i = 0; i < keys.size(); ++i)
    for (size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]);

  // Capture the next cell AIN 1 -> AIN 2 and open it with only the exported
  // fields; a key one bit off fails.
  const TvtSaInfo* out_fwd = nullptr;
  for (const TvtSaInfo& i : s1)
    if (i.forward && !i.inbound) out_fwd = &i;
  ASSERT_NE(out_fwd, nullptr);
  EXPECT_EQ(out_fwd->peer, 2u);
  EXPECT_EQ(out_fwd->src, Net::ain_addr(1));
  EXPECT_EQ(out_fwd->dst, Net::ain_addr(2));
  Bytes held;
  net.tap = [&](testnet::Wire& w) {
    if (held.empty() && w.from == Net::ain_addr(1) && w.to == Net::ain_addr(2)) held = w.bytes;
    return true;
  };
  send_and_run(net, d);
  net.tap = nullptr;
  ASSERT_FALSE(held.empty());
  auto good = checker_sa(*out_fwd, carrier, out_fwd->seq);
  ASSERT_NE(good, nullptr);
  Bytes copy = held;
  auto opened = good->open(copy);
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  EXPECT_EQ(opened->payload.size(), net.cfgs[0].cell_size);
  TvtSaInfo wrong = *out_fwd;
  ASSERT_TRUE(wrong.key.has_value());
  wrong.key->mut_span()[0] ^= 1;
  auto bad = checker_sa(wrong, carrier, out_fwd->seq);
  ASSERT_NE(bad, nullptr);
  copy = held;
  EXPECT_EQ(bad->open(copy).error(), Errc::auth_failed);

  // The reported sequence numbers moved with the traffic.
  for (const TvtSaInfo& i : net.ain(1).tvt_sas(false))
    if (i.spi == out_fwd->spi) {
      EXPECT_EQ(i.seq, out_fwd->seq + 1);
    }
}

INSTANTIATE_TEST_SUITE_P(Carriers, TvtExport, ::testing::Values(Carrier::ip, Carrier::udp),
                         [](const auto& p) { return p.param == Carrier::ip ? "ip" : "udp"; });

TEST(EngineCounters, EveryHopCountsTheSameCellsAndEndsCountDatagramBytes) {
  Net net(3);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(100, 1));
  for (int i = 0; i < 3; ++i) send_and_run(net, d);
  ASSERT_EQ(net.fx_of(3).local.size(), 3u);
  const auto delivered = wire::parse_ip_packet(net.fx_of(3).local[0]).value();
  const Bytes reply = udp_datagram(addr("198.51.100.7"), delivered.src, Bytes(50, 2));
  net.ain(3).handle_local(net.now, reply, net.fx_of(3));
  net.run();
  ASSERT_EQ(net.customer().received.size(), 1u);

  const size_t cell = net.cfgs[0].cell_size;
  for (size_t n = 1; n <= 3; ++n) {
    const auto ants = net.ain(n).ants();
    ASSERT_EQ(ants.size(), 1u);
    const AntInfo& a = ants[0];
    EXPECT_EQ(a.packets_fwd, 3u) << "AIN " << n;
    EXPECT_EQ(a.packets_bwd, 1u) << "AIN " << n;
    EXPECT_EQ(a.bytes_fwd, 3 * cell) << "AIN " << n;
    EXPECT_EQ(a.bytes_bwd, cell) << "AIN " << n;
    const bool end = n != 2;
    // Only the exit names the source it gives delivered datagrams: the pool
    // address the datagram arrived with.
    EXPECT_EQ(a.exit_src.has_value(), n == 3) << "AIN " << n;
    if (n == 3) {
      EXPECT_EQ(*a.exit_src, delivered.src);
    }
    EXPECT_EQ(a.datagram_bytes_fwd, end ? 3 * d.size() : 0u) << "AIN " << n;
    EXPECT_EQ(a.datagram_bytes_bwd, end ? reply.size() : 0u) << "AIN " << n;
  }
}

TEST(EnginePvtView, BytesAndLastHeardFollowAuthenticatedSignaling) {
  Net net(3);
  for (const PvtInfo& p : net.ain(2).pvts()) {
    EXPECT_FALSE(p.last_heard.has_value()) << p.peer;
    EXPECT_EQ(p.bytes_in, 0u);
  }
  net.advance_to(net.now + Duration::s(2));  // keepalives both ways
  for (const PvtInfo& p : net.ain(2).pvts()) {
    ASSERT_TRUE(p.last_heard.has_value()) << p.peer;
    EXPECT_LE(*p.last_heard, net.now);
    EXPECT_GT(*p.last_heard, net.now - Duration::s(2));
    EXPECT_GT(p.bytes_in, 0u);
    EXPECT_GT(p.bytes_out, 0u);
    EXPECT_EQ(p.bytes_out % p.packets_out, 0u);  // every signaling packet has one size
  }
}

TEST(EnginePinnedRoute, CreateAntOnTheChosenRouteAndRefuseBadOnes) {
  Net net(square());
  const IpAddress src = addr("192.168.1.5"), dst = addr("198.51.100.7");
  for (const std::vector<NodeId>& r : {std::vector<NodeId>{1, 4, 3}, std::vector<NodeId>{1, 2, 3}}) {
    const IpAddress s = r[1] == 4 ? src : addr("192.168.1.6");
    const std::vector<NodeId> route = r;
    auto h = net.ain(1).create_ant(net.now, 100, s, dst, net.fx_of(1), route);
    ASSERT_TRUE(h.ok()) << to_string(h.error());
    net.run();
    bool found = false;
    for (const AntInfo& a : net.ain(1).ants())
      if (a.handle == *h) {
        found = true;
        EXPECT_TRUE(a.up);
        EXPECT_EQ(a.route, route);
      }
    EXPECT_TRUE(found);
    EXPECT_EQ(net.ain(r[1]).ants().size(), 1u) << "relay " << r[1];
  }
  EXPECT_EQ(net.ain(3).ants().size(), 2u);

  // Asking again for the same flow: the same ANT, or exists on another route.
  auto again = net.ain(1).create_ant(net.now, 100, src, dst, net.fx_of(1), std::vector<NodeId>{1, 4, 3});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(net.ain(1).create_ant(net.now, 100, src, dst, net.fx_of(1), std::vector<NodeId>{1, 2, 3}).error(),
            Errc::exists);

  struct Bad {
    std::vector<NodeId> route;
    Errc why;
  };
  const IpAddress other = addr("192.168.1.9");
  for (const Bad& b : {Bad{{2, 3}, Errc::invalid_argument},        // does not start here
                       Bad{{1}, Errc::invalid_argument},           // too short
                       Bad{{1, 2, 1, 4, 3}, Errc::invalid_argument},  // a loop
                       Bad{{1, 3}, Errc::not_found},               // no PVT edge 1-3
                       Bad{{1, 9, 3}, Errc::not_found},            // not in the directory
                       Bad{{1, 2}, Errc::unsupported}}) {          // 2 is not an exit
    const size_t before = net.ain(1).ants().size();
    auto r = net.ain(1).create_ant(net.now, 100, other, dst, net.fx_of(1), b.route);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), b.why);
    EXPECT_EQ(net.ain(1).ants().size(), before);
  }
  EXPECT_EQ(net.ain(1).create_ant(net.now, 999, other, dst, net.fx_of(1), std::vector<NodeId>{1, 2, 3}).error(),
            Errc::not_found);
}

TEST(EnginePinnedRoute, RetriesStayOnThePinnedRoute) {
  Net net(square());
  // AIN 4 swallows everything: the pinned route 1-4-3 can never come up, and
  // no attempt may wander to 1-2-3.
  net.tap = [&](testnet::Wire& w) { return w.to != Net::ain_addr(4); };
  auto h = net.ain(1).create_ant(net.now, 100, addr("192.168.1.5"), addr("198.51.100.7"), net.fx_of(1),
                                 std::vector<NodeId>{1, 4, 3});
  ASSERT_TRUE(h.ok());
  net.advance_to(net.now + Duration::s(30));
  EXPECT_TRUE(net.ain(2).ants().empty());
  EXPECT_TRUE(net.ain(1).ants().empty());
  size_t failed = 0;
  for (const auto& e : net.fx_of(1).events) failed += e.kind == EventKind::ant_failed && e.ant == *h;
  EXPECT_EQ(failed, 1u);
}

}  // namespace
}  // namespace ainet::core
