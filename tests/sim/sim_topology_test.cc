// The simulation's topologies and the signed directories made from them.
#include <gtest/gtest.h>

#include "core/directory.h"
#include "sim/sim_topology.h"

namespace ainet::sim {
namespace {

constexpr uint64_t kNow = 1'800'000'000, kExpires = 1'900'000'000;

bool connected(const Topology& t) {
  std::set<NodeId> seen{1};
  std::vector<NodeId> stack{1};
  while (!stack.empty()) {
    NodeId a = stack.back();
    stack.pop_back();
    for (NodeId b : t.neighbours(a)) {
      if (seen.insert(b).second) stack.push_back(b);
    }
  }
  return seen.size() == t.n;
}

TEST(SimTopology, ShapesHaveTheirEdges) {
  Topology line = Topology::line(5);
  EXPECT_EQ(line.edges.size(), 4u);
  EXPECT_TRUE(line.has_edge(2, 3));
  EXPECT_FALSE(line.has_edge(1, 5));
  EXPECT_EQ(line.exits, std::set<NodeId>{5});

  Topology ring = Topology::ring(6);
  EXPECT_EQ(ring.edges.size(), 6u);
  EXPECT_TRUE(ring.has_edge(6, 1));

  crypto::DeterministicRng rng(11);
  Topology g = Topology::random(100, 6, rng);
  EXPECT_EQ(g.edges.size(), 300u);
  EXPECT_TRUE(connected(g));
}

TEST(SimTopology, SignedDirectoryLoadsWithEveryAinAndEdge) {
  crypto::DeterministicRng rng(3);
  Topology t = Topology::random(100, 4, rng);
  NetworkKeys k = NetworkKeys::make(t, rng);
  auto text = core::sign_directory(k.directory_body(kExpires), k.authority.priv.span());
  ASSERT_TRUE(text.ok());
  auto load = core::load_directory(*text, k.authority.pub, kNow);
  ASSERT_TRUE(load.ok()) << load.message;
  const core::Directory& d = load.directory;
  ASSERT_EQ(d.entries().size(), 100u);
  for (NodeId a = 1; a <= 100; ++a) {
    const core::AinEntry* e = d.find(a);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->address, k.ain(a).address);
    EXPECT_EQ(e->onion_key, k.ain(a).onion.pub);
    EXPECT_TRUE(e->is_exit());
    for (NodeId b = 1; b <= 100; ++b) EXPECT_EQ(d.has_edge(a, b), t.has_edge(a, b));
  }
  // Each PVT has distinct keys per direction, configured mirror-wise.
  auto p1 = k.pvts_of(1);
  ASSERT_FALSE(p1.empty());
  auto back = k.pvts_of(p1[0].peer);
  auto it = std::find_if(back.begin(), back.end(), [](const auto& p) { return p.peer == 1; });
  ASSERT_NE(it, back.end());
  EXPECT_EQ(it->in.esp_spi, p1[0].out.esp_spi);
  EXPECT_EQ(it->out.ah_key, p1[0].in.ah_key);
  EXPECT_EQ(it->tvt_secret, p1[0].tvt_secret);
  EXPECT_NE(p1[0].in.esp_key, p1[0].out.esp_key);

  // Another authority's key refuses it.
  crypto::DeterministicRng other(4);
  auto wrong = crypto::ed25519_generate(other);
  EXPECT_FALSE(core::load_directory(*text, wrong.pub, kNow).ok());
}

TEST(SimTopology, SameSeedSameNetwork) {
  crypto::DeterministicRng r1(8), r2(8);
  NetworkKeys a = NetworkKeys::make(Topology::ring(10), r1);
  NetworkKeys b = NetworkKeys::make(Topology::ring(10), r2);
  EXPECT_EQ(a.directory_body(kExpires), b.directory_body(kExpires));
  EXPECT_EQ(a.pvt_spis(), b.pvt_spis());
}

}  // namespace
}  // namespace ainet::sim
