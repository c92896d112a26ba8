// Loss, duplication and reordering between AINs. The network does not
// retransmit: the delivered fraction follows (1 - loss)^links, and every AIN
// sends exactly one data packet per data packet it received (no copies
// beyond the duplicates the links themselves made, which the replay windows
// drop). Runs are a pure function of the seed.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

constexpr int kDatagrams = 2000;

struct Impaired {
  double loss = 0, duplicate = 0, reorder = 0;
};

// A 4-AIN line (3 inter-AIN links) whose ANT is set up on clean links; then
// every inter-AIN link gets the impairments and kDatagrams go forward and
// kDatagrams backward, 1 ms apart.
struct LossRun {
  std::unique_ptr<SimWorld> w;
  size_t fwd = 0, bwd = 0;
};

LossRun run(const Impaired& imp, uint64_t seed) {
  LossRun r;
  r.w = make_world(line_spec(4, core::Carrier::ip, seed));
  if (!r.w) return r;
  SimWorld& w = *r.w;
  w.net.record_packets = false;
  const Flow f{real_inner_address(0, false), responder_host(false), 7000, 80};
  EXPECT_EQ(w.customer(0).send_datagram(make_udp_datagram(f, sim_payload(7, 0, 64))), Errc::ok);
  w.run_for(Duration::ms(500));
  EXPECT_EQ(w.customer(1).received.size(), 1u);
  w.customer(1).received.clear();
  LinkConfig lc;
  lc.impairments.loss = imp.loss;
  lc.impairments.duplicate = imp.duplicate;
  lc.impairments.reorder = imp.reorder;
  for (NodeId a = 1; a < 4; ++a) {
    w.net.set_link(w.ain(a).address(), w.ain(a + 1).address(), lc);
    w.net.set_link(w.ain(a + 1).address(), w.ain(a).address(), lc);
  }
  for (uint32_t i = 1; i <= kDatagrams; ++i) {
    EXPECT_EQ(w.customer(0).send_datagram(make_udp_datagram(f, sim_payload(7, i, 64))), Errc::ok);
    EXPECT_EQ(w.customer(1).send_datagram(make_udp_datagram(reversed(f), sim_payload(7, i, 64))),
              Errc::ok);
    w.run_for(Duration::ms(1));
  }
  w.run_for(Duration::ms(200));
  r.fwd = w.customer(1).received.size();
  r.bwd = w.customer(0).received.size();
  return r;
}

// Data packets an AIN sent on link out == data packets it got on link in
// (minus the copies the in-link duplicated, which its replay window drops).
void expect_no_extra_copies(SimWorld& w) {
  auto& net = w.net;
  const auto data = static_cast<size_t>(PacketClass::data);
  for (NodeId mid = 2; mid <= 3; ++mid) {
    const IpAddress p = w.ain(mid - 1).address(), m = w.ain(mid).address(),
                    n = w.ain(mid + 1).address();
    const LinkCounters& in_f = net.counters(p, m);
    const LinkCounters& out_f = net.counters(m, n);
    EXPECT_EQ(out_f.sent[data], in_f.delivered[data] - in_f.duplicated[data]) << "fwd at " << mid;
    const LinkCounters& in_b = net.counters(n, m);
    const LinkCounters& out_b = net.counters(m, p);
    EXPECT_EQ(out_b.sent[data], in_b.delivered[data] - in_b.duplicated[data]) << "bwd at " << mid;
  }
  // The entrance sends one cell per customer datagram, the exit one per
  // responder datagram: kDatagrams + the set-up datagram forwards.
  EXPECT_EQ(net.counters(w.ain(1).address(), w.ain(2).address()).sent[data], kDatagrams + 1u);
  EXPECT_EQ(net.counters(w.ain(4).address(), w.ain(3).address()).sent[data],
            static_cast<uint64_t>(kDatagrams));
}

class AntLoss : public ::testing::TestWithParam<double> {};

TEST_P(AntLoss, DeliveredFractionFollowsLossAndNothingIsRetransmitted) {
  const double loss = GetParam();
  LossRun r = run({loss, 0, 0}, 600 + static_cast<uint64_t>(loss * 100));
  ASSERT_NE(r.w, nullptr);
  const double expect = std::pow(1 - loss, 3);
  // Binomial: 4 standard deviations of kDatagrams trials, at least 1%.
  const double tol = std::max(0.01, 4 * std::sqrt(expect * (1 - expect) / kDatagrams));
  EXPECT_NEAR(static_cast<double>(r.fwd) / kDatagrams, expect, tol);
  EXPECT_NEAR(static_cast<double>(r.bwd) / kDatagrams, expect, tol);
  expect_no_extra_copies(*r.w);
  // Nothing was dropped at the AINs: lost packets never arrive, and no AIN
  // sent a copy that a replay window had to catch.
  EXPECT_EQ(r.w->total_drops(), 0u);
  for (NodeId id = 1; id <= 4; ++id) EXPECT_EQ(r.w->ain(id).engine().ants().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Rates, AntLoss, ::testing::Values(0.01, 0.05, 0.20),
                         [](const auto& p) {
                           return "loss_" + std::to_string(static_cast<int>(p.param * 100)) + "pct";
                         });

TEST(AntLinkImpairments, DuplicatesAreDroppedByReplayWindowsAndReorderingIsTolerated) {
  LossRun r = run({0.02, 0.05, 0.10}, 650);
  ASSERT_NE(r.w, nullptr);
  expect_no_extra_copies(*r.w);
  uint64_t dup_data = 0, dup_all = 0;
  for (const auto& [k, c] : r.w->net.all_counters()) {
    dup_data += c.duplicated[static_cast<size_t>(PacketClass::data)];
    dup_all += c.total_duplicated();
  }
  EXPECT_GT(dup_data, 100u);
  // Each duplicate (data or keepalive) that reached an AIN was dropped there
  // as a replay, and nothing else was.
  EXPECT_EQ(r.w->drops(Errc::replay), dup_all);
  EXPECT_EQ(r.w->total_drops(), dup_all);
  // No datagram was delivered twice.
  std::set<uint32_t> seen;
  for (const Bytes& d : r.w->customer(1).received) EXPECT_TRUE(seen.insert(identify(d)->seq).second);
  const double expect = std::pow(0.98, 3);
  EXPECT_NEAR(static_cast<double>(r.fwd) / kDatagrams, expect, 0.02);
}

TEST(AntDeterminism, SameSeedSameRun) {
  auto fingerprint = [](uint64_t seed) {
    LossRun r = run({0.05, 0.02, 0.05}, seed);
    std::vector<uint64_t> v{r.fwd, r.bwd};
    for (const auto& [k, c] : r.w->net.all_counters()) {
      for (int i = 0; i < 4; ++i) v.push_back(c.delivered[i]);
    }
    for (const Bytes& d : r.w->customer(1).received) v.push_back(identify(d)->seq);
    return v;
  };
  EXPECT_EQ(fingerprint(77), fingerprint(77));
  EXPECT_NE(fingerprint(77), fingerprint(78));
}

}  // namespace
}  // namespace ainet::sim
