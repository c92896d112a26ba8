// What aind's metrics read from the engine: live ANTs by role, cell totals
// that stay when ANTs go (monotonic counters), and the entrance's set-up
// time on its ant_up event (retries included).
#include <gtest/gtest.h>

#include "engine_test_net.h"

namespace ainet::core {
namespace {

using testnet::addr;
using testnet::Net;
using testnet::NodeEffects;
using testnet::udp_datagram;
using testnet::Wire;

const EngineEvent* find_event(const NodeEffects& fx, EventKind k) {
  for (const EngineEvent& e : fx.events)
    if (e.kind == k) return &e;
  return nullptr;
}

TEST(EngineMetricsView, RolesAndCellTotalsSurviveTheAnt) {
  Net net(3);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(30, 4));
  net.customer_send(d, 4);
  net.run();
  ASSERT_EQ(net.fx_of(3).local.size(), 1u);
  const auto role = [](AntInfo::Role r) { return static_cast<size_t>(r); };
  EXPECT_EQ(net.ain(1).stats().ants_by_role[role(AntInfo::Role::entrance)], 1u);
  EXPECT_EQ(net.ain(2).stats().ants_by_role[role(AntInfo::Role::intermediate)], 1u);
  EXPECT_EQ(net.ain(3).stats().ants_by_role[role(AntInfo::Role::exit)], 1u);
  EXPECT_EQ(net.ain(1).stats().ants_by_role[role(AntInfo::Role::exit)], 0u);

  // A reply from the exit's side: one cell each way at every hop.
  const Bytes reply =
      udp_datagram(addr("198.51.100.7"), net.ain(3).ants()[0].exit_src.value(), Bytes(20, 5));
  net.ain(3).handle_local(net.now, reply, net.fx_of(3));
  net.run();
  const size_t cell = net.cfgs[0].cell_size;
  for (size_t n = 1; n <= 3; ++n) {
    const AntTotals t = net.ain(n).stats().ant_totals;
    EXPECT_EQ(t.cells_fwd, 1u) << "ain" << n;
    EXPECT_EQ(t.cells_bwd, 1u) << "ain" << n;
    EXPECT_EQ(t.cell_bytes_fwd, cell) << "ain" << n;
    EXPECT_EQ(t.cell_bytes_bwd, cell) << "ain" << n;
  }
  EXPECT_EQ(net.ain(1).stats().ant_totals.datagram_bytes_fwd, d.size());
  EXPECT_EQ(net.ain(2).stats().ant_totals.datagram_bytes_fwd, 0u);  // a relay never sees datagrams

  // The ANT goes everywhere; the totals stay (they are counters), the roles empty.
  ASSERT_EQ(net.ain(1).destroy_ant(net.now, net.ain(1).ants()[0].handle, net.fx_of(1)), Errc::ok);
  net.run();
  for (size_t n = 1; n <= 3; ++n) {
    const EngineStats s = net.ain(n).stats();
    EXPECT_EQ(s.ants_by_role[0] + s.ants_by_role[1] + s.ants_by_role[2], 0u) << "ain" << n;
    EXPECT_EQ(s.ant_totals.cells_fwd, 1u) << "ain" << n;
    EXPECT_EQ(s.ant_totals.cells_bwd, 1u) << "ain" << n;
  }
}

// ant_up at the entrance carries the time from the first CREATE to CREATED;
// relays and the exit report none (-1).
TEST(EngineMetricsView, EntranceAntUpCarriesTheSetupTime) {
  Net net(3);
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(30, 4));
  net.customer_send(d, 4);
  net.run();
  const EngineEvent* up1 = find_event(net.fx_of(1), EventKind::ant_up);
  ASSERT_NE(up1, nullptr);
  EXPECT_EQ(up1->setup.ns, 0);  // the test network delivers at once
  for (size_t n : {2, 3}) {
    const EngineEvent* up = find_event(net.fx_of(n), EventKind::ant_up);
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->setup.ns, -1) << "ain" << n;
  }
}

TEST(EngineMetricsView, SetupTimeIncludesRetries) {
  Net net(3);
  // The first CREATED (AIN 2 -> AIN 1) is lost: the entrance retries after
  // setup_timeout, and the ANT comes up on the second attempt.
  bool dropped = false;
  net.tap = [&](Wire& w) {
    if (!dropped && w.from == Net::ain_addr(2) && w.to == Net::ain_addr(1)) {
      dropped = true;
      return false;
    }
    return true;
  };
  const Time t0 = net.now;
  const Bytes d = udp_datagram(addr("192.168.1.5"), addr("198.51.100.7"), Bytes(30, 4));
  net.customer_send(d, 4);
  net.run();
  ASSERT_TRUE(dropped);
  EXPECT_EQ(find_event(net.fx_of(1), EventKind::ant_up), nullptr);
  net.advance_to(t0 + net.cfgs[0].setup_timeout + Duration::ms(1));
  const EngineEvent* up = find_event(net.fx_of(1), EventKind::ant_up);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->setup.ns, net.cfgs[0].setup_timeout.ns);
}

}  // namespace
}  // namespace ainet::core
