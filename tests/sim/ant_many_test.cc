// Many ANTs at once: 1,000 concurrent ANTs with distinct customer src/dst
// pairs on one network, and ANTs over a 100-AIN random graph. Every ANT must
// carry data both ways, and every table must be empty after teardown.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

// Sends one datagram per flow from its initiator, answers every local
// delivery, and checks both directions per flow (by tag = flow index).
void exchange_all(SimWorld& w, const std::vector<std::pair<size_t, Flow>>& flows, uint32_t seq) {
  std::vector<size_t> local_before(w.size() + 1);
  for (NodeId id = 1; id <= w.size(); ++id) local_before[id] = w.ain(id).local.size();
  std::vector<size_t> recv_before(w.customer_count());
  for (size_t c = 0; c < w.customer_count(); ++c) recv_before[c] = w.customer(c).received.size();

  for (size_t i = 0; i < flows.size(); ++i) {
    const auto& [c, f] = flows[i];
    ASSERT_EQ(w.customer(c).send_datagram(
                  make_udp_datagram(f, sim_payload(static_cast<uint32_t>(i), seq, 100))),
              Errc::ok);
  }
  w.run_for(Duration::s(2));
  std::vector<int> fwd(flows.size(), 0), bwd(flows.size(), 0);
  for (NodeId id = 1; id <= w.size(); ++id) {
    SimAin& a = w.ain(id);
    for (size_t k = local_before[id]; k < a.local.size(); ++k) {
      auto d = identify(a.local[k]);
      ASSERT_TRUE(d.has_value());
      ASSERT_LT(d->tag, flows.size());
      EXPECT_EQ(d->dst, flows[d->tag].second.dst);
      fwd[d->tag]++;
    }
    answer_local(a, local_before[id]);
  }
  w.run_for(Duration::s(2));
  for (size_t c = 0; c < w.customer_count(); ++c) {
    const SimCustomer& cu = w.customer(c);
    for (size_t k = recv_before[c]; k < cu.received.size(); ++k) {
      auto d = identify(cu.received[k]);
      ASSERT_TRUE(d.has_value());
      ASSERT_LT(d->tag, flows.size());
      EXPECT_EQ(flows[d->tag].first, c);
      EXPECT_EQ(d->dst, flows[d->tag].second.src);  // original address restored
      bwd[d->tag]++;
    }
  }
  size_t fwd_ok = 0, bwd_ok = 0;
  for (size_t i = 0; i < flows.size(); ++i) {
    fwd_ok += fwd[i] == 1;
    bwd_ok += bwd[i] == 1;
  }
  EXPECT_EQ(fwd_ok, flows.size());
  EXPECT_EQ(bwd_ok, flows.size());
}

TEST(AntMany, ThousandConcurrentAntsCarryDataBothWays) {
  // Ten initiators spread over a 12-AIN random graph, 100 flows each; every
  // AIN is an exit and the entrance picks a random route for each ANT.
  crypto::DeterministicRng trng(1000);
  WorldSpec spec;
  spec.seed = 1000;
  spec.topo = Topology::random(12, 4, trng);
  for (NodeId i = 0; i < 10; ++i) spec.customers.push_back({static_cast<NodeId>(i + 1), {}});
  spec.tweak = [](core::EngineConfig& c) { c.pending_queue = 2; };
  auto w = make_world(spec);
  ASSERT_NE(w, nullptr);
  w->net.record_packets = false;
  for (NodeId id = 1; id <= w->size(); ++id) w->ain(id).keep_local = true;
  const auto baseline = state_sizes(*w);

  std::vector<std::pair<size_t, Flow>> flows;
  crypto::DeterministicRng frng(7);
  for (size_t c = 0; c < 10; ++c) {
    for (uint32_t k = 0; k < 100; ++k) {
      const bool v6 = k % 4 == 3;
      Flow f;
      f.src = k % 2 ? random_private_address(frng, v6) : real_inner_address(c, v6);
      f.dst = v6 ? IpAddress::parse("2001:db8:2::" + std::to_string(k + 1)).value()
                 : IpAddress::v4(0xC6336400u + k);  // 198.51.100.k
      f.sport = static_cast<uint16_t>(10000 + k);
      flows.push_back({c, f});
    }
  }
  exchange_all(*w, flows, 0);
  size_t up = 0;
  for (NodeId id = 1; id <= w->size(); ++id) {
    for (const auto& a : w->ain(id).engine().ants()) {
      up += a.role == core::AntInfo::Role::entrance && a.up;
    }
  }
  EXPECT_EQ(up, 1000u);
  // A second round uses the same ANTs: no new set-up.
  uint64_t created = 0;
  for (NodeId id = 1; id <= w->size(); ++id) created += w->ain(id).engine().stats().ants_created;
  exchange_all(*w, flows, 1);
  uint64_t created_after = 0;
  for (NodeId id = 1; id <= w->size(); ++id) created_after += w->ain(id).engine().stats().ants_created;
  EXPECT_EQ(created_after, created);
  EXPECT_EQ(w->total_drops(), 0u);

  for (NodeId id = 1; id <= w->size(); ++id) w->ain(id).shutdown();
  w->run_for(Duration::s(1));
  EXPECT_EQ(state_sizes(*w), baseline);
}

TEST(AntMany, HundredAinRandomGraph) {
  crypto::DeterministicRng trng(100);
  WorldSpec spec;
  spec.seed = 100;
  spec.topo = Topology::random(100, 4, trng);
  for (NodeId i = 1; i <= 100; i += 5) spec.customers.push_back({i, {}});
  spec.tweak = [](core::EngineConfig& c) { c.route_length = 4; };
  auto w = make_world(spec);
  ASSERT_NE(w, nullptr);
  const auto baseline = state_sizes(*w);
  std::vector<std::pair<size_t, Flow>> flows;
  for (size_t c = 0; c < w->customer_count(); ++c) {
    for (uint32_t k = 0; k < 5; ++k) {
      flows.push_back({c, Flow{real_inner_address(c, false), IpAddress::v4(0xC6336400u + k)}});
    }
  }
  exchange_all(*w, flows, 0);
  for (NodeId id = 1; id <= w->size(); ++id) {
    for (const auto& a : w->ain(id).engine().ants()) {
      if (a.role != core::AntInfo::Role::entrance) continue;
      ASSERT_EQ(a.route.size(), 4u);
      for (size_t h = 0; h + 1 < a.route.size(); ++h) {
        EXPECT_TRUE(w->keys.topo.has_edge(a.route[h], a.route[h + 1]));
      }
    }
  }
  EXPECT_EQ(w->total_drops(), 0u);
  for (size_t c = 0; c < w->customer_count(); ++c) {
    for (uint32_t k = 0; k < 5; ++k) {
      ASSERT_EQ(w->customer(c).send_destroy(real_inner_address(c, false),
                                            IpAddress::v4(0xC6336400u + k)),
                Errc::ok);
    }
  }
  w->run_for(Duration::s(1));
  EXPECT_EQ(state_sizes(*w), baseline);
}

}  // namespace
}  // namespace ainet::sim
