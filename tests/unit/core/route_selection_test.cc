// Random loop-free route selection (docs/protocol.md "Roles and route").
#include "core/route_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "crypto/rng.h"

namespace ainet::core {
namespace {

const auto kAll = [](NodeId) { return true; };

wire::IpPrefix prefix(const char* s) { return *wire::IpPrefix::parse(s); }
wire::IpAddress addr(const char* s) { return *wire::IpAddress::parse(s); }

// Nodes 1..n; edges given as pairs (both ends list each other).
Directory graph(size_t n, const std::vector<std::pair<NodeId, NodeId>>& edges,
                const std::map<NodeId, std::vector<wire::IpPrefix>>& exits) {
  std::vector<AinEntry> e(n);
  for (size_t i = 0; i < n; ++i) {
    e[i].id = static_cast<NodeId>(i + 1);
    e[i].name = "ain" + std::to_string(i + 1);
    auto it = exits.find(e[i].id);
    if (it != exits.end()) e[i].exit_policy = it->second;
  }
  for (auto [a, b] : edges) {
    e[a - 1].neighbours.push_back(b);
    e[b - 1].neighbours.push_back(a);
  }
  auto d = make_directory(1, 0, std::move(e));
  EXPECT_TRUE(d.ok()) << d.message;
  return std::move(d.directory);
}

Directory random_graph(size_t n, size_t extra_edges, uint64_t seed,
                       const std::map<NodeId, std::vector<wire::IpPrefix>>& exits) {
  crypto::DeterministicRng rng(seed);
  std::set<std::pair<NodeId, NodeId>> edges;
  for (NodeId i = 2; i <= n; ++i)  // a random spanning tree keeps it connected
    edges.insert({static_cast<NodeId>(1 + rng.uniform(i - 1)), i});
  while (edges.size() < n - 1 + extra_edges) {
    NodeId a = static_cast<NodeId>(1 + rng.uniform(n)), b = static_cast<NodeId>(1 + rng.uniform(n));
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    if (edges.count({b, a})) continue;
    edges.insert({a, b});
  }
  return graph(n, {edges.begin(), edges.end()}, exits);
}

void expect_valid(const Directory& dir, const std::vector<NodeId>& r, NodeId entrance,
                  size_t length) {
  ASSERT_EQ(r.size(), length);
  EXPECT_EQ(r.front(), entrance);
  EXPECT_EQ(std::set<NodeId>(r.begin(), r.end()).size(), r.size()) << "loop";
  for (size_t i = 0; i + 1 < r.size(); ++i) EXPECT_TRUE(dir.has_edge(r[i], r[i + 1]));
}

TEST(RouteSelection, LoopFreeCorrectLengthPolicyRespected) {
  std::map<NodeId, std::vector<wire::IpPrefix>> exits;
  for (NodeId i = 1; i <= 30; i += 3) exits[i] = {prefix("10.0.0.0/8")};
  for (NodeId i = 2; i <= 30; i += 5) exits[i] = {prefix("0.0.0.0/0"), prefix("::/0")};
  const Directory dir = random_graph(30, 40, 1, exits);
  crypto::DeterministicRng rng(2);
  for (size_t length : {2u, 3u, 4u, 6u, 9u}) {
    for (int i = 0; i < 100; ++i) {
      const wire::IpAddress dst = i % 2 ? addr("10.1.2.3") : addr("2001:db8::1");
      auto r = pick_route(dir, 7, dst, length, rng, kAll);
      ASSERT_TRUE(r.ok()) << "length " << length;
      expect_valid(dir, *r, 7, length);
      EXPECT_TRUE(dir.find(r->back())->exits_to(dst));
    }
  }
}

TEST(RouteSelection, UsableRespected) {
  std::map<NodeId, std::vector<wire::IpPrefix>> exits;
  for (NodeId i = 1; i <= 30; ++i) exits[i] = {prefix("0.0.0.0/0")};
  const Directory dir = random_graph(30, 60, 3, exits);
  crypto::DeterministicRng rng(4);
  const auto usable = [](NodeId n) { return n % 4 != 0; };  // AINs 4, 8, ... are down
  for (int i = 0; i < 200; ++i) {
    auto r = pick_route(dir, 8, addr("192.0.2.1"), 4, rng, usable);  // entrance itself need not be
    ASSERT_TRUE(r.ok());
    expect_valid(dir, *r, 8, 4);
    for (size_t j = 1; j < r->size(); ++j) EXPECT_NE((*r)[j] % 4, 0u);
  }
}

TEST(RouteSelection, NotFoundWhenImpossible) {
  // Path 1-2-3 with exit 3 only.
  const Directory line = graph(3, {{1, 2}, {2, 3}}, {{3, {prefix("0.0.0.0/0")}}});
  crypto::DeterministicRng rng(5);
  EXPECT_TRUE(pick_route(line, 1, addr("1.2.3.4"), 3, rng, kAll).ok());
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 4, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 2, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route(line, 1, addr("::1"), 3, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 3, rng, [](NodeId n) { return n != 2; }).error(),
            Errc::not_found);
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 3, rng, [](NodeId n) { return n != 3; }).error(),
            Errc::not_found);
  EXPECT_EQ(pick_route(line, 9, addr("1.2.3.4"), 3, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route(line, 3, addr("1.2.3.4"), 2, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 1, rng, kAll).error(), Errc::invalid_argument);
  EXPECT_EQ(pick_route(line, 1, addr("1.2.3.4"), 10, rng, kAll).error(), Errc::invalid_argument);
  // One-sided listing is not an edge.
  std::vector<AinEntry> e(2);
  e[0].id = 1;
  e[0].neighbours = {2};
  e[1].id = 2;
  e[1].exit_policy = {prefix("0.0.0.0/0")};
  auto d = make_directory(1, 0, e);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(pick_route(d.directory, 1, addr("1.2.3.4"), 2, rng, kAll).error(), Errc::not_found);
}

TEST(RouteSelection, DistributionCoversManyRoutesAndExits) {
  // Complete graph on 7 AINs, every AIN an exit: from entrance 1 there are
  // 6*5 = 30 routes of length 3.
  std::vector<std::pair<NodeId, NodeId>> edges;
  std::map<NodeId, std::vector<wire::IpPrefix>> exits;
  for (NodeId a = 1; a <= 7; ++a) {
    exits[a] = {prefix("0.0.0.0/0")};
    for (NodeId b = a + 1; b <= 7; ++b) edges.push_back({a, b});
  }
  const Directory dir = graph(7, edges, exits);
  crypto::DeterministicRng rng(6);
  std::map<std::vector<NodeId>, int> seen;
  std::map<NodeId, int> exit_count;
  for (int i = 0; i < 3000; ++i) {
    auto r = pick_route(dir, 1, addr("1.1.1.1"), 3, rng, kAll);
    ASSERT_TRUE(r.ok());
    ++seen[*r];
    ++exit_count[r->back()];
  }
  EXPECT_EQ(seen.size(), 30u);
  for (auto& [route, n] : seen) EXPECT_GT(n, 40) << "route under-sampled";  // mean 100
  ASSERT_EQ(exit_count.size(), 6u);
  for (auto& [x, n] : exit_count) EXPECT_GT(n, 350) << "exit " << x;  // mean 500
}

TEST(RouteSelection, FixedExitVariant) {
  std::map<NodeId, std::vector<wire::IpPrefix>> exits;  // no exit policies at all
  const Directory dir = random_graph(20, 30, 7, exits);
  crypto::DeterministicRng rng(8);
  for (int i = 0; i < 100; ++i) {
    auto r = pick_route_to_exit(dir, 1, 20, 4, rng, kAll);
    ASSERT_TRUE(r.ok());
    expect_valid(dir, *r, 1, 4);
    EXPECT_EQ(r->back(), 20u);
  }
  EXPECT_EQ(pick_route_to_exit(dir, 1, 1, 3, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route_to_exit(dir, 1, 99, 3, rng, kAll).error(), Errc::not_found);
  EXPECT_EQ(pick_route_to_exit(dir, 1, 20, 4, rng, [](NodeId n) { return n != 20; }).error(),
            Errc::not_found);
}

// Counts the random draws a search makes. The depth-first search draws once
// per candidate it shuffles at each expansion, so the draws bound its work
// deterministically (no wall clock in a test, rule 2): at most
// kRouteSearchBudget expansions x the largest degree, plus the exits' shuffle,
// with rejection sampling in Rng::uniform at most doubling it in practice.
class CountingRng final : public crypto::Rng {
 public:
  explicit CountingRng(crypto::Rng& inner) : inner_(inner) {}
  void fill(MutByteSpan out) override {
    ++fills;
    inner_.fill(out);
  }
  uint64_t fills = 0;

 private:
  crypto::Rng& inner_;
};

TEST(RouteSelection, BoundedWorkOnLargeGraphs) {
  // 100 AINs, dense, one exit far away or unreachable: the search must stop
  // within its budget instead of enumerating paths (a clique of 99 has about
  // 10^17 paths of 9 AINs).
  std::map<NodeId, std::vector<wire::IpPrefix>> exits;
  exits[100] = {prefix("0.0.0.0/0")};
  const Directory dense = random_graph(100, 1500, 9, exits);
  crypto::DeterministicRng base(10);
  CountingRng rng(base);
  constexpr uint64_t kMaxDraws = 2 * (kRouteSearchBudget * 100 + 100);
  for (int i = 0; i < 50; ++i) {
    rng.fills = 0;
    auto r = pick_route(dense, 1, addr("1.1.1.1"), 9, rng, kAll);
    ASSERT_TRUE(r.ok());
    expect_valid(dense, *r, 1, 9);
    EXPECT_LE(rng.fills, kMaxDraws);
  }
  // The exit hangs off a single relay that is down: no route, and the
  // search must give up within its budget rather than enumerate paths.
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId a = 1; a <= 99; ++a)
    for (NodeId b = a + 1; b <= 99; ++b) edges.push_back({a, b});
  edges.push_back({99, 100});
  const Directory clique = graph(100, edges, exits);
  for (int i = 0; i < 5; ++i) {
    rng.fills = 0;
    EXPECT_EQ(pick_route(clique, 1, addr("1.1.1.1"), 9, rng, [](NodeId n) { return n != 99; })
                  .error(),
              Errc::not_found);
    EXPECT_LE(rng.fills, kMaxDraws);
  }
  // Reachable only through 99 at exactly the last step: still found.
  rng.fills = 0;
  auto r = pick_route(clique, 1, addr("1.1.1.1"), 9, rng, kAll);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[7], 99u);
  EXPECT_LE(rng.fills, kMaxDraws);
  // Complete bipartite graph, entrance and exit on the same side: a route of
  // 8 AINs (7 edges, odd) cannot exist, which distance pruning cannot see;
  // the search budget has to stop it, after real work (more than a few
  // expansions' worth of draws).
  std::vector<std::pair<NodeId, NodeId>> bip;
  for (NodeId a = 1; a <= 50; ++a)
    for (NodeId b = 51; b <= 100; ++b) bip.push_back({a, b});
  std::map<NodeId, std::vector<wire::IpPrefix>> exit2;
  exit2[2] = {prefix("0.0.0.0/0")};
  const Directory bipartite = graph(100, bip, exit2);
  rng.fills = 0;
  EXPECT_EQ(pick_route(bipartite, 1, addr("1.1.1.1"), 8, rng, kAll).error(), Errc::not_found);
  EXPECT_LE(rng.fills, kMaxDraws);
  EXPECT_GT(rng.fills, kRouteSearchBudget);
  EXPECT_TRUE(pick_route(bipartite, 1, addr("1.1.1.1"), 9, rng, kAll).ok());
}

}  // namespace
}  // namespace ainet::core
