// An intermediate AIN crashes (docs/protocol.md: a PVT silent for 3
// keepalive intervals is down and every ANT over it is destroyed): the
// entrance and the exit both learn of it within a bounded virtual time, and
// traffic resumes over a new route that avoids the crashed AIN.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

class AntFailure : public ::testing::TestWithParam<core::Carrier> {};

TEST_P(AntFailure, CrashedIntermediateIsDetectedAndTrafficResumes) {
  auto w = make_world(diamond_spec(GetParam(), 300));
  ASSERT_NE(w, nullptr);
  const Flow f{real_inner_address(0, false), responder_host(false), 4000, 80};
  uint32_t seq = 0;
  auto send_fwd = [&] {
    return w->customer(0).send_datagram(make_udp_datagram(f, sim_payload(1, seq++, 200)));
  };
  ASSERT_EQ(send_fwd(), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(w->customer(1).received.size(), 1u);
  const auto route = only_ant(w->ain(1)).route;
  ASSERT_EQ(route.size(), 3u);
  const NodeId dead = route[1];
  const NodeId other = dead == 2 ? 3 : 2;
  const uint64_t exit_handle = only_ant(w->ain(4)).handle;
  const uint64_t entrance_handle = only_ant(w->ain(1)).handle;

  const Time crash = w->now();
  w->ain(dead).crash();
  // Bound: 3 keepalive intervals of silence, detected at the next keepalive
  // tick, plus the set-up timeout as slack (EngineConfig defaults 1 s, 3 s).
  const core::EngineConfig defaults;
  const Duration bound{3 * defaults.keepalive_interval.ns + defaults.setup_timeout.ns};
  // The initiator keeps sending every 250 ms meanwhile; what is sent into the
  // dead route is lost, nothing is delivered twice.
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(send_fwd(), Errc::ok);
    w->run_for(Duration::ms(250));
  }
  const TimedEvent* at_entrance =
      w->ain(1).find_event(core::EventKind::ant_down, crash, entrance_handle);
  const TimedEvent* at_exit = w->ain(4).find_event(core::EventKind::ant_down, crash, exit_handle);
  ASSERT_NE(at_entrance, nullptr);
  ASSERT_NE(at_exit, nullptr);
  EXPECT_LE(at_entrance->at - crash, bound);
  EXPECT_LE(at_exit->at - crash, bound);
  EXPECT_EQ(at_entrance->event.reason, 4);  // link down
  EXPECT_EQ(at_exit->event.reason, 4);
  EXPECT_NE(w->ain(1).find_event(core::EventKind::pvt_down, crash), nullptr);

  // A new route over the other intermediate carries traffic both ways.
  auto now_ants = w->ain(1).engine().ants();
  ASSERT_EQ(now_ants.size(), 1u);
  EXPECT_EQ(now_ants[0].route, (std::vector<NodeId>{1, other, 4}));
  EXPECT_TRUE(now_ants[0].up);
  const size_t got = w->customer(1).received.size();
  EXPECT_GT(got, 1u);
  ASSERT_EQ(send_fwd(), Errc::ok);
  w->run_for(Duration::s(1));
  EXPECT_EQ(w->customer(1).received.size(), got + 1);
  std::set<uint32_t> seqs;
  for (const Bytes& d : w->customer(1).received) {
    EXPECT_TRUE(seqs.insert(identify(d)->seq).second) << "duplicate delivery";
  }
  ASSERT_EQ(w->customer(1).send_datagram(make_udp_datagram(reversed(f), sim_payload(1, 999, 99))),
            Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_FALSE(w->customer(0).received.empty());
  EXPECT_EQ(identify(w->customer(0).received.back())->seq, 999u);
  // Nothing of the old ANT is left at the survivors besides the new one.
  EXPECT_EQ(w->ain(other).engine().ants().size(), 1u);
  EXPECT_EQ(w->ain(4).engine().ants().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Carriers, AntFailure,
                         ::testing::Values(core::Carrier::ip, core::Carrier::udp),
                         [](const auto& p) {
                           return std::string(p.param == core::Carrier::ip ? "ip" : "udp");
                         });

}  // namespace
}  // namespace ainet::sim
