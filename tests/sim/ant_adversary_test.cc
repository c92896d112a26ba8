// An active attacker on every link of an ANT (customer tunnels, TVTs, PVTs,
// both directions) replays captured packets, tampers with them and injects
// garbage. Every such packet is dropped and counted exactly once at its
// receiver, nothing crashes, and the ANT keeps carrying the real traffic
// byte-identical, with no extra deliveries.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

class AntAdversary : public ::testing::TestWithParam<core::Carrier> {};

TEST_P(AntAdversary, TamperReplayGarbageAreDroppedAndCounted) {
  auto w = make_world(line_spec(3, GetParam(), 500));
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  SimCustomer& init = w->customer(0);
  SimCustomer& resp = w->customer(1);
  const Flow f{real_inner_address(0, false), responder_host(false), 6000, 80};
  uint32_t seq = 0;
  auto both_ways = [&] {
    EXPECT_EQ(init.send_datagram(make_udp_datagram(f, sim_payload(6, seq++, 300))), Errc::ok);
    w->run_for(Duration::ms(300));
    EXPECT_EQ(resp.send_datagram(make_udp_datagram(reversed(f), sim_payload(6, seq++, 300))),
              Errc::ok);
    w->run_for(Duration::ms(300));
  };
  both_ways();
  w->run_for(Duration::s(1));  // a keepalive on every PVT, to capture as well
  ASSERT_EQ(w->total_drops(), 0u);

  // Every directed link of the path, with the class of packet it carries.
  const IpAddress c0 = init.address(), c1 = resp.address();
  const IpAddress a1 = w->ain(1).address(), a2 = w->ain(2).address(), a3 = w->ain(3).address();
  struct Link {
    IpAddress from, to;
    PacketClass cls;
  };
  const std::vector<Link> links = {
      {c0, a1, PacketClass::customer},  {a1, a2, PacketClass::data},
      {a2, a3, PacketClass::data},      {a3, c1, PacketClass::customer},
      {c1, a3, PacketClass::customer},  {a3, a2, PacketClass::data},
      {a2, a1, PacketClass::data},      {a1, c0, PacketClass::customer},
      {a1, a2, PacketClass::signaling}, {a2, a1, PacketClass::signaling},
      {a2, a3, PacketClass::signaling}, {a3, a2, PacketClass::signaling},
  };
  crypto::DeterministicRng rng(501);
  std::map<IpAddress, uint64_t> injected;  // per receiver
  for (const Link& l : links) {
    auto seen = packets_on(w->net, l.from, l.to, l.cls);
    ASSERT_FALSE(seen.empty()) << l.from.to_string() << " -> " << l.to.to_string();
    const Bytes captured = seen.back()->bytes;
    std::vector<Bytes> evil;
    evil.push_back(captured);  // replay
    Bytes t = captured;
    t[t.size() / 2] ^= 0x40;  // tampered payload
    evil.push_back(t);
    t = captured;
    t.back() ^= 1;  // tampered ICV
    evil.push_back(t);
    t = captured;
    rng.fill(MutByteSpan(t).subspan(std::min<size_t>(t.size(), 60)));  // right header, random rest
    evil.push_back(t);
    t = captured;
    t.resize(t.size() - 100);  // truncated
    evil.push_back(t);
    for (size_t len : {size_t{0}, size_t{3}, size_t{40}, size_t{1500}}) {  // garbage
      Bytes g(len);
      rng.fill(g);
      if (len == 3) g = {0, 0, 0};
      evil.push_back(g);
    }
    for (const Bytes& e : evil) w->net.send(l.from, l.to, e, /*injected=*/true);
    injected[l.to] += evil.size();
  }
  w->run_for(Duration::ms(100));

  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(w->ain(id).total_drops(), injected[w->ain(id).address()]) << "AIN " << id;
  }
  EXPECT_EQ(init.total_drops(), injected[c0]);
  EXPECT_EQ(resp.total_drops(), injected[c1]);

  // The ANT is unaffected: the same ANT, real traffic byte-identical, nothing extra.
  const size_t before_fwd = resp.received.size(), before_bwd = init.received.size();
  for (int i = 0; i < 5; ++i) both_ways();
  ASSERT_EQ(resp.received.size(), before_fwd + 5);
  ASSERT_EQ(init.received.size(), before_bwd + 5);
  for (size_t i = 0; i < 5; ++i) {
    const uint32_t s = 2 + 2 * static_cast<uint32_t>(i);
    EXPECT_EQ(resp.received[before_fwd + i], make_udp_datagram(f, sim_payload(6, s, 300)));
    EXPECT_EQ(init.received[before_bwd + i],
              make_udp_datagram(reversed(f), sim_payload(6, s + 1, 300)));
  }
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(w->ain(id).engine().ants().size(), 1u);
    EXPECT_EQ(w->ain(id).engine().stats().ants_destroyed, 0u);
  }
  EXPECT_EQ(w->total_drops(), injected[a1] + injected[a2] + injected[a3]);
}

INSTANTIATE_TEST_SUITE_P(Carriers, AntAdversary,
                         ::testing::Values(core::Carrier::ip, core::Carrier::udp),
                         [](const auto& p) {
                           return std::string(p.param == core::Carrier::ip ? "ip" : "udp");
                         });

}  // namespace
}  // namespace ainet::sim
