// Tickets against flooding (paper §5.4 "Ticket"; docs/protocol.md
// "Tickets"), measured in the simulator's virtual time on rate-limited
// links: a customer that floods (new ANTs and datagrams as fast as it can)
// is held to its quota, and a well-behaved customer on the same entrance
// and the same links keeps its ANT set-up time and its throughput within
// 20% of what it gets with nobody flooding. The same flood without tickets
// must hurt it (so the check can fail).
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

struct Outcome {
  double setup_ms = 0;        // median, first datagram of a new pair -> delivered at the exit
  double goodput_mbps = 0;    // the good customer's stream, delivered at the exit
  size_t flood_delivered = 0; // flooder datagrams that reached the exit
  size_t flood_ants = 0;      // ANTs the flooder got (created at its entrance)
  core::EngineStats entrance;
};

// Per 20 s slice (the whole run, 11 s, is in one slice): enough for the
// well-behaved customer (2,500 datagrams at 250/s and 21 ANTs), spread at
// 300 datagrams/s; far below what the flooder wants.
constexpr uint32_t kSliceSeconds = 20, kQuotaAnts = 30, kQuotaCells = 6000;

Outcome run(bool flood, bool tickets) {
  WorldSpec spec = line_spec(3, core::Carrier::ip, 515);
  spec.customers = {{1, {}}, {1, {}}};  // 0: well-behaved, 1: flooder; both at AIN 1
  spec.link.latency = Duration::ms(5);
  spec.tickets = tickets;
  spec.ticket_config.slice_seconds = kSliceSeconds;
  spec.ticket_config.grace_seconds = 2;
  spec.ticket_config.quota_ants = kQuotaAnts;
  spec.ticket_config.quota_cells = kQuotaCells;
  auto w = make_world(spec);
  EXPECT_NE(w, nullptr);
  if (!w) return {};
  // The network between the AINs: 10 Mbit/s, 100 ms of drop-tail buffer.
  LinkConfig slow;
  slow.latency = Duration::ms(5);
  slow.rate_bps = 10'000'000;
  slow.queue_limit = Duration::ms(100);
  for (NodeId a = 1; a <= 3; ++a)
    for (NodeId b = 1; b <= 3; ++b)
      if (a != b) w->net.set_link(w->ain(a).address(), w->ain(b).address(), slow);
  w->ain(3).keep_local = true;

  SimCustomer& good = w->customer(0);
  SimCustomer& bad = w->customer(1);
  const IpAddress good_src = real_inner_address(0, false), bad_src = real_inner_address(1, false);
  // The good customer: a 2 Mbit/s stream (1000-byte datagrams every 4 ms)
  // to one host for 10 s, and a new destination every 500 ms (one datagram
  // each: its set-up time). The flooder: 3 datagrams of 1300 bytes every
  // millisecond (31 Mbit/s), each to another destination, i.e. a new ANT.
  const Flow stream{good_src, internet_host(false), 5000, 80};
  std::map<uint32_t, Time> probe_sent;
  uint32_t probe = 0, seq = 0, flood_seq = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    if (ms % 4 == 0)
      (void)good.send_datagram(make_udp_datagram(stream, sim_payload(1, seq++, 1000)));
    if (ms % 500 == 250) {
      const Flow f{good_src, IpAddress::v4(0xC6336400u + 1 + probe), 6000, 80};  // 198.51.100.x
      probe_sent[100 + probe] = w->now();
      (void)good.send_datagram(make_udp_datagram(f, sim_payload(100 + probe, 0, 200)));
      ++probe;
    }
    if (flood) {
      for (int i = 0; i < 3; ++i, ++flood_seq) {
        const Flow f{bad_src, IpAddress::v4(0xCB007100u + (flood_seq % 250)), 7000, 80};  // 203.0.113.x
        (void)bad.send_datagram(make_udp_datagram(f, sim_payload(2, flood_seq, 1300)));
      }
    }
    w->run_for(Duration::ms(1));
  }
  w->run_for(Duration::s(1));

  Outcome o;
  std::vector<double> setups;
  size_t stream_bytes = 0;
  // Arrival times at the exit, by the tag the datagram carries.
  std::map<uint32_t, Time> first_arrival;
  const SimAin& exit = w->ain(3);
  for (size_t i = 0; i < exit.local.size(); ++i) {
    auto id = identify(exit.local[i]);
    if (!id) continue;
    if (id->tag == 1) stream_bytes += exit.local[i].size();
    if (id->tag == 2) ++o.flood_delivered;
    first_arrival.emplace(id->tag, exit.local_at[i]);
  }
  for (const auto& [tag, sent] : probe_sent) {
    auto it = first_arrival.find(tag);
    setups.push_back(it == first_arrival.end() ? 10'000.0 : (it->second - sent).ns / 1e6);
  }
  std::sort(setups.begin(), setups.end());
  o.setup_ms = setups[setups.size() / 2];
  o.goodput_mbps = static_cast<double>(stream_bytes) * 8 / 10.0 / 1e6;
  o.entrance = w->ain(1).engine().stats();
  for (const auto& a : w->ain(1).engine().ants())
    if (a.role == core::AntInfo::Role::entrance && a.inner_src == bad_src) ++o.flood_ants;
  return o;
}

TEST(TicketFlood, FlooderHeldToQuotaWellBehavedCustomerUnharmed) {
  const Outcome calm = run(false, true);
  const Outcome flooded = run(true, true);
  const Outcome unprotected = run(true, false);
  ::testing::Test::RecordProperty("setup_ms_calm", std::to_string(calm.setup_ms));
  std::printf("set-up median: calm %.1f ms, flooded with tickets %.1f ms, without %.1f ms\n",
              calm.setup_ms, flooded.setup_ms, unprotected.setup_ms);
  std::printf("entrance tickets issued %llu over_quota %llu; flood ants %zu, delivered %zu\n",
              (unsigned long long)flooded.entrance.tickets_issued.issued,
              (unsigned long long)flooded.entrance.tickets_issued.over_quota, flooded.flood_ants,
              flooded.flood_delivered);
  std::printf("good goodput: calm %.2f Mbit/s, flooded with tickets %.2f, without %.2f\n",
              calm.goodput_mbps, flooded.goodput_mbps, unprotected.goodput_mbps);

  // Sanity of the calm run: the stream and every probe got through.
  ASSERT_GT(calm.goodput_mbps, 1.9);
  ASSERT_LT(calm.setup_ms, 100.0);

  // The flooder is held to its quota: at most kQuotaAnts ANTs in the slice,
  // at most kQuotaCells datagrams into them; the rest refused and counted.
  EXPECT_LE(flooded.flood_ants, kQuotaAnts);
  EXPECT_LE(flooded.flood_delivered, kQuotaCells);
  EXPECT_GT(flooded.entrance.tickets_issued.over_quota, 0u);
  EXPECT_GT(flooded.entrance.cells_over_quota, 0u);

  // ...and the well-behaved customer keeps its set-up time and throughput
  // within 20% of the calm run.
  EXPECT_LE(flooded.setup_ms, calm.setup_ms * 1.2);
  EXPECT_GE(flooded.goodput_mbps, calm.goodput_mbps * 0.8);

  // Negative control: the same flood without tickets does hurt it.
  EXPECT_GT(unprotected.flood_ants, kQuotaAnts * 5);
  EXPECT_TRUE(unprotected.setup_ms > calm.setup_ms * 1.2 ||
              unprotected.goodput_mbps < calm.goodput_mbps * 0.8)
      << "the flood did not hurt, so the test above proves nothing";
}

}  // namespace
}  // namespace ainet::sim
