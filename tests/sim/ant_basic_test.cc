// A 3-hop ANT (entrance, intermediate, exit) carries IPv4 and IPv6
// datagrams both ways, byte-identical at the far end, over both carriers:
// to the exit's local stack and to a registered responder. Along the way the
// wire properties of DESIGN.md are asserted on every link.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

struct BasicParam {
  core::Carrier carrier;
  bool inner_v6;
};

class AntBasic : public ::testing::TestWithParam<BasicParam> {};

TEST_P(AntBasic, ThreeHopAntCarriesDatagramsBothWays) {
  const auto [carrier, v6] = GetParam();
  auto w = make_world(line_spec(3, carrier, 101));
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  const std::vector<size_t> baseline = state_sizes(*w);
  SimCustomer& init = w->customer(0);
  SimCustomer& resp = w->customer(1);
  SimAin& exit = w->ain(3);

  // --- Exit local delivery: source rewritten to the exit's pool address.
  const Flow local{real_inner_address(0, v6), internet_host(v6), 40001, 53};
  std::vector<Bytes> sent;
  for (uint32_t i = 0; i < 4; ++i) {
    sent.push_back(make_udp_datagram(local, sim_payload(1, i, 200 + 300 * i)));
    ASSERT_EQ(init.send_datagram(sent.back()), Errc::ok);
  }
  w->run_for(Duration::s(1));
  ASSERT_EQ(exit.local.size(), sent.size());
  auto pool_src = identify(exit.local[0])->src;
  EXPECT_NE(pool_src, local.src);
  EXPECT_EQ(pool_src.is_v6(), v6);
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(exit.local[i], with_source(local, pool_src, udp_payload(sent[i])))
        << "datagram " << i;
  }
  ASSERT_EQ(answer_local(exit), sent.size());
  w->run_for(Duration::s(1));
  ASSERT_EQ(init.received.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    // The reply reaches the initiator addressed to its own inner address again.
    EXPECT_EQ(init.received[i],
              make_udp_datagram(reversed(local), sim_payload(1, static_cast<uint32_t>(i) + 1000, 120)));
  }

  // --- Registered responder: delivered unchanged, replies unchanged.
  const Flow rflow{real_inner_address(0, v6), responder_host(v6), 40002, 80};
  const Bytes d = make_udp_datagram(rflow, sim_payload(2, 0, 1300));
  ASSERT_EQ(init.send_datagram(d), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(resp.received.size(), 1u);
  EXPECT_EQ(resp.received[0], d);
  const Bytes r = make_udp_datagram(reversed(rflow), sim_payload(2, 1, 900));
  ASSERT_EQ(resp.send_datagram(r), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(init.received.size(), sent.size() + 1);
  EXPECT_EQ(init.received.back(), r);

  // --- Roles: the entrance knows the route, the intermediate only its
  // neighbours, the exit the inner pair but not the route.
  auto at1 = w->ain(1).engine().ants();
  ASSERT_EQ(at1.size(), 2u);
  for (const auto& a : at1) {
    EXPECT_EQ(a.role, core::AntInfo::Role::entrance);
    EXPECT_TRUE(a.up);
    EXPECT_EQ(a.route, (std::vector<NodeId>{1, 2, 3}));
  }
  auto mid = w->ain(2).engine().ants();
  ASSERT_EQ(mid.size(), 2u);
  for (const auto& a : mid) {
    EXPECT_EQ(a.role, core::AntInfo::Role::intermediate);
    EXPECT_EQ(a.prev, 1u);
    EXPECT_EQ(a.next, 3u);
    EXPECT_TRUE(a.route.empty());
    EXPECT_TRUE(a.inner_src.is_unspecified());
    EXPECT_TRUE(a.inner_dst.is_unspecified());
  }
  for (const auto& a : w->ain(3).engine().ants()) {
    EXPECT_EQ(a.role, core::AntInfo::Role::exit);
    EXPECT_TRUE(a.route.empty());
    EXPECT_EQ(a.prev, 2u);
  }

  // --- Wire properties over everything sent so far.
  EXPECT_EQ(w->total_drops(), 0u);
  const size_t data_len = uniform_length(w->net, PacketClass::data);
  const size_t sig_len = uniform_length(w->net, PacketClass::signaling);
  EXPECT_GT(data_len, 1400u);
  EXPECT_GT(sig_len, 1024u);

  // One datagram crossing the ANT: no 8 bytes of its packet on link 1->2
  // reappear in its packet on link 2->3 (and backwards).
  w->net.clear_records();
  ASSERT_EQ(init.send_datagram(make_udp_datagram(rflow, sim_payload(2, 7, 64))), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(resp.send_datagram(make_udp_datagram(reversed(rflow), sim_payload(2, 8, 64))),
            Errc::ok);
  w->run_for(Duration::s(1));
  const IpAddress a1 = w->ain(1).address(), a2 = w->ain(2).address(), a3 = w->ain(3).address();
  auto f12 = packets_on(w->net, a1, a2, PacketClass::data);
  auto f23 = packets_on(w->net, a2, a3, PacketClass::data);
  auto b32 = packets_on(w->net, a3, a2, PacketClass::data);
  auto b21 = packets_on(w->net, a2, a1, PacketClass::data);
  ASSERT_EQ(f12.size(), 1u);
  ASSERT_EQ(f23.size(), 1u);
  ASSERT_EQ(b32.size(), 1u);
  ASSERT_EQ(b21.size(), 1u);
  EXPECT_EQ(shared_8byte_substring(f12[0]->bytes, f23[0]->bytes), "");
  EXPECT_EQ(shared_8byte_substring(b32[0]->bytes, b21[0]->bytes), "");
  // The same for the IPsec part alone (AH/ESP header, cell, ICV), so that a
  // regression there shows apart from the outer IP header.
  EXPECT_EQ(shared_8byte_substring(ipsec_part(f12[0]->bytes, carrier), ipsec_part(f23[0]->bytes, carrier)), "");
  EXPECT_EQ(shared_8byte_substring(ipsec_part(b32[0]->bytes, carrier), ipsec_part(b21[0]->bytes, carrier)), "");
  EXPECT_NE(f12[0]->spi, f23[0]->spi);

  // --- Teardown by the initiator: every table back to its baseline.
  ASSERT_EQ(init.send_destroy(local.src, local.dst), Errc::ok);
  ASSERT_EQ(init.send_destroy(rflow.src, rflow.dst), Errc::ok);
  w->run_for(Duration::s(1));
  EXPECT_EQ(state_sizes(*w), baseline);
  EXPECT_EQ(w->total_drops(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    CarriersAndFamilies, AntBasic,
    ::testing::Values(BasicParam{core::Carrier::ip, false}, BasicParam{core::Carrier::ip, true},
                      BasicParam{core::Carrier::udp, false}, BasicParam{core::Carrier::udp, true}),
    [](const auto& p) {
      return std::string(p.param.carrier == core::Carrier::ip ? "ip" : "udp") +
             (p.param.inner_v6 ? "_inner6" : "_inner4");
    });

// The same with IPv6 outer addresses (AINs and customer tunnels).
TEST(AntBasicV6Outer, ThreeHopAntOverIpv6Carrier) {
  for (core::Carrier carrier : {core::Carrier::ip, core::Carrier::udp}) {
    WorldSpec spec = line_spec(3, carrier, 102);
    spec.v6_outer = true;
    auto w = make_world(spec);
    ASSERT_NE(w, nullptr);
    const Flow f{real_inner_address(0, false), responder_host(false), 1, 2};
    const Bytes d = make_udp_datagram(f, sim_payload(3, 0, 500));
    ASSERT_EQ(w->customer(0).send_datagram(d), Errc::ok);
    w->run_for(Duration::s(1));
    ASSERT_EQ(w->customer(1).received.size(), 1u);
    EXPECT_EQ(w->customer(1).received[0], d);
    ASSERT_EQ(w->customer(1).send_datagram(make_udp_datagram(reversed(f), sim_payload(3, 1, 50))),
              Errc::ok);
    w->run_for(Duration::s(1));
    EXPECT_EQ(w->customer(0).received.size(), 1u);
    EXPECT_EQ(w->total_drops(), 0u);
  }
}

// A 5-hop ANT: four key-holding hops, three intermediates.
TEST(AntBasic5Hop, FiveHopAntCarriesDatagramsBothWays) {
  auto w = make_world(line_spec(5, core::Carrier::ip, 105));
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  const auto baseline = state_sizes(*w);
  for (bool v6 : {false, true}) {
    const Flow f{real_inner_address(0, v6), internet_host(v6), 5000, 5001};
    const Bytes d = make_udp_datagram(f, sim_payload(5, 0, 1000));
    ASSERT_EQ(w->customer(0).send_datagram(d), Errc::ok);
    w->run_for(Duration::s(1));
    SimAin& exit = w->ain(5);
    ASSERT_FALSE(exit.local.empty());
    const Bytes& got = exit.local.back();
    EXPECT_EQ(got, with_source(f, identify(got)->src, udp_payload(d)));
    const size_t before = w->customer(0).received.size();
    answer_local(exit, exit.local.size() - 1);
    w->run_for(Duration::s(1));
    ASSERT_EQ(w->customer(0).received.size(), before + 1);
    EXPECT_EQ(w->customer(0).received.back(),
              make_udp_datagram(reversed(f), sim_payload(5, 1000, 120)));
  }
  for (NodeId mid = 2; mid <= 4; ++mid) {
    for (const auto& a : w->ain(mid).engine().ants()) {
      EXPECT_EQ(a.role, core::AntInfo::Role::intermediate);
      EXPECT_EQ(a.prev, mid - 1);
      EXPECT_EQ(a.next, mid + 1);
      EXPECT_TRUE(a.route.empty());
      EXPECT_TRUE(a.inner_src.is_unspecified());
    }
  }
  EXPECT_EQ(w->ain(1).engine().ants().at(0).route, (std::vector<NodeId>{1, 2, 3, 4, 5}));
  uniform_length(w->net, PacketClass::data);
  uniform_length(w->net, PacketClass::signaling);
  // Consecutive links of one cell share no 8 bytes: check the last datagram.
  for (NodeId h = 1; h + 2 <= 5; ++h) {
    auto in = packets_on(w->net, w->ain(h).address(), w->ain(h + 1).address(), PacketClass::data);
    auto out = packets_on(w->net, w->ain(h + 1).address(), w->ain(h + 2).address(), PacketClass::data);
    ASSERT_EQ(in.size(), out.size());
    ASSERT_FALSE(in.empty());
    EXPECT_EQ(shared_8byte_substring(in.back()->bytes, out.back()->bytes), "") << "hop " << h + 1;
    EXPECT_EQ(shared_8byte_substring(ipsec_part(in.back()->bytes, core::Carrier::ip), ipsec_part(out.back()->bytes, core::Carrier::ip)), "")
        << "hop " << h + 1;
  }
  w->ain(1).shutdown();
  w->run_for(Duration::s(1));
  EXPECT_EQ(state_sizes(*w), baseline);
  EXPECT_EQ(w->total_drops(), 0u);
}

}  // namespace
}  // namespace ainet::sim
