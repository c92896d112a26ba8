// Teardown (paper §4.5, docs/protocol.md "Teardown"): DESTROY started by
// each party runs along the whole ANT, and every table at every AIN returns
// to its baseline. Also the hard expiry and the inactivity expiry.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

enum class Starter { initiator, responder, entrance, intermediate, exit };

struct Up {
  std::unique_ptr<SimWorld> w;
  std::vector<size_t> baseline;
  Flow flow;
};

// A 3-hop ANT from the initiator (AIN 1) to the registered responder (AIN 3),
// up and carrying one datagram each way.
Up bring_up(uint64_t seed, const std::function<void(core::EngineConfig&)>& tweak = {}) {
  Up u;
  WorldSpec spec = line_spec(3, core::Carrier::ip, seed);
  if (tweak) {
    auto base = spec.tweak;
    spec.tweak = [base, tweak](core::EngineConfig& c) {
      base(c);
      tweak(c);
    };
  }
  u.w = make_world(spec);
  if (!u.w) return u;
  u.baseline = state_sizes(*u.w);
  u.flow = Flow{real_inner_address(0, false), responder_host(false), 3000, 80};
  EXPECT_EQ(u.w->customer(0).send_datagram(make_udp_datagram(u.flow, sim_payload(9, 0, 100))),
            Errc::ok);
  u.w->run_for(Duration::ms(500));
  EXPECT_EQ(u.w->customer(1).received.size(), 1u);
  EXPECT_EQ(u.w->customer(1).send_datagram(
                make_udp_datagram(reversed(u.flow), sim_payload(9, 1, 100))),
            Errc::ok);
  u.w->run_for(Duration::ms(500));
  EXPECT_EQ(u.w->customer(0).received.size(), 1u);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(u.w->ain(id).engine().ants().size(), 1u);
  return u;
}

class AntDestroy : public ::testing::TestWithParam<Starter> {};

TEST_P(AntDestroy, RunsAlongTheWholeAntAndEmptiesEveryTable) {
  Up u = bring_up(200 + static_cast<int>(GetParam()));
  ASSERT_NE(u.w, nullptr);
  SimWorld& w = *u.w;
  const Time t0 = w.now();
  switch (GetParam()) {
    case Starter::initiator:
      ASSERT_EQ(w.customer(0).send_destroy(u.flow.src, u.flow.dst), Errc::ok);
      break;
    case Starter::responder:
      // The responder names the pair from its side: its address, then the initiator's.
      ASSERT_EQ(w.customer(1).send_destroy(u.flow.dst, u.flow.src), Errc::ok);
      break;
    case Starter::entrance: ASSERT_EQ(w.ain(1).destroy_ant(only_ant(w.ain(1)).handle), Errc::ok); break;
    case Starter::intermediate:
      ASSERT_EQ(w.ain(2).destroy_ant(only_ant(w.ain(2)).handle), Errc::ok);
      break;
    case Starter::exit: ASSERT_EQ(w.ain(3).destroy_ant(only_ant(w.ain(3)).handle), Errc::ok); break;
  }
  w.run_for(Duration::ms(500));
  EXPECT_EQ(state_sizes(w), u.baseline);
  for (NodeId id : {1u, 3u}) {
    const TimedEvent* e = w.ain(id).find_event(core::EventKind::ant_down, t0);
    ASSERT_NE(e, nullptr) << "AIN " << id;
    EXPECT_EQ(e->event.reason, 1) << "reason: requested";  // docs/protocol.md reason 1
  }
  EXPECT_EQ(w.total_drops(), 0u);  // no DESTROY for an unknown SPI, nothing else dropped

  // The initiator can start over: its next datagram builds a new ANT.
  ASSERT_EQ(w.customer(0).send_datagram(make_udp_datagram(u.flow, sim_payload(9, 2, 100))),
            Errc::ok);
  w.run_for(Duration::ms(500));
  EXPECT_EQ(w.customer(1).received.size(), 2u);
}

std::string starter_name(const ::testing::TestParamInfo<Starter>& param_info) {
  static const char* const kNames[] = {"initiator", "responder", "entrance", "intermediate",
                                       "exit"};
  return kNames[static_cast<int>(param_info.param)];
}

INSTANTIATE_TEST_SUITE_P(EachParty, AntDestroy,
                         ::testing::Values(Starter::initiator, Starter::responder,
                                           Starter::entrance, Starter::intermediate,
                                           Starter::exit),
                         starter_name);

TEST(AntExpiry, HardLifetimeEndsABusyAnt) {
  Up u = bring_up(210, [](core::EngineConfig& c) {
    c.ant_lifetime = Duration::s(10);
    c.inactivity_timeout = Duration::s(120);
  });
  ASSERT_NE(u.w, nullptr);
  SimWorld& w = *u.w;
  const Time created = only_ant(w.ain(1)).created;
  // Traffic every 500 ms both ways does not extend the hard lifetime.
  for (uint32_t i = 0; i < 17 && !w.ain(1).engine().ants().empty(); ++i) {
    ASSERT_EQ(w.customer(1).send_datagram(
                  make_udp_datagram(reversed(u.flow), sim_payload(9, 10 + i, 100))),
              Errc::ok);
    w.run_for(Duration::ms(500));
  }
  w.run_for(Duration::s(1));
  const TimedEvent* e = w.ain(1).find_event(core::EventKind::ant_down);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event.reason, 2);  // expired
  EXPECT_GE(e->at, created + Duration::s(10));
  EXPECT_LE(e->at, created + Duration::s(11));
  EXPECT_EQ(state_sizes(w), u.baseline);
}

TEST(AntExpiry, InactivityEndsAnIdleAntButNotABusyOne) {
  Up u = bring_up(211, [](core::EngineConfig& c) {
    c.ant_lifetime = Duration::s(3600);
    c.inactivity_timeout = Duration::s(5);
  });
  ASSERT_NE(u.w, nullptr);
  SimWorld& w = *u.w;
  // Busy for 12 s (datagrams every second, alternating directions): stays up
  // at every hop, including the intermediate, which only relays cells.
  for (uint32_t i = 0; i < 12; ++i) {
    SimCustomer& c = w.customer(i % 2);
    const Flow f = i % 2 ? reversed(u.flow) : u.flow;
    ASSERT_EQ(c.send_datagram(make_udp_datagram(f, sim_payload(9, 20 + i, 100))), Errc::ok);
    w.run_for(Duration::s(1));
  }
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(w.ain(id).engine().ants().size(), 1u) << "AIN " << id;
  }
  const Time last = w.now();
  EXPECT_EQ(w.ain(1).find_event(core::EventKind::ant_down), nullptr);
  // Then idle: gone within the timeout (plus a setup round trip of slack).
  w.run_for(Duration::s(7));
  const TimedEvent* e = w.ain(1).find_event(core::EventKind::ant_down);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event.reason, 3);  // idle
  EXPECT_GE(e->at, last - Duration::s(1) + Duration::s(5));
  EXPECT_LE(e->at, last + Duration::s(6));
  EXPECT_EQ(state_sizes(w), u.baseline);
}

// e2e_aead.h kMaxE2eSeals: an ANT whose e2e key has sealed its share of
// cells is retired like an expired one, at the entrance (forward key) or at
// the exit (backward key); the refused datagram is dropped and counted, every
// table returns to its baseline, and the initiator's next datagram builds a
// fresh ANT. The limit is lowered to a few cells to get there.
TEST(AntExpiry, E2eSealLimitRetiresTheAntAndTheNextOneCarriesOn) {
  for (bool at_exit : {false, true}) {
    SCOPED_TRACE(at_exit ? "exit (backward key)" : "entrance (forward key)");
    Up u = bring_up(212 + at_exit, [](core::EngineConfig& c) { c.e2e_seal_limit = 3; });
    ASSERT_NE(u.w, nullptr);
    SimWorld& w = *u.w;
    // bring_up sealed one cell each way; two more fit under the limit.
    SimCustomer& sender = w.customer(at_exit ? 1 : 0);
    SimCustomer& receiver = w.customer(at_exit ? 0 : 1);
    const Flow f = at_exit ? reversed(u.flow) : u.flow;
    for (uint32_t i = 0; i < 2; ++i) {
      ASSERT_EQ(sender.send_datagram(make_udp_datagram(f, sim_payload(9, 30 + i, 100))), Errc::ok);
      w.run_for(Duration::ms(100));
    }
    EXPECT_EQ(receiver.received.size(), 3u);
    const NodeId sealer = at_exit ? 3 : 1;
    const uint64_t limit_drops = w.ain(sealer).engine().stats().drops[static_cast<size_t>(Errc::limit)];
    const Time t0 = w.now();
    ASSERT_EQ(sender.send_datagram(make_udp_datagram(f, sim_payload(9, 40, 100))), Errc::ok);
    w.run_for(Duration::ms(500));
    EXPECT_EQ(receiver.received.size(), 3u) << "the datagram past the limit is not sent";
    EXPECT_EQ(w.ain(sealer).engine().stats().drops[static_cast<size_t>(Errc::limit)], limit_drops + 1);
    for (NodeId id : {1u, 3u}) {
      const TimedEvent* e = w.ain(id).find_event(core::EventKind::ant_down, t0);
      ASSERT_NE(e, nullptr) << "AIN " << id;
      EXPECT_EQ(e->event.reason, 2) << "AIN " << id << ": expired";
    }
    EXPECT_EQ(state_sizes(w), u.baseline);
    // A fresh ANT (fresh keys, counters at zero) carries the next datagram.
    ASSERT_EQ(w.customer(0).send_datagram(make_udp_datagram(u.flow, sim_payload(9, 50, 100))),
              Errc::ok);
    w.run_for(Duration::ms(500));
    EXPECT_EQ(w.customer(1).received.size(), at_exit ? 2u : 4u);
    for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(w.ain(id).engine().ants().size(), 1u);
  }
}

}  // namespace
}  // namespace ainet::sim
