// IkeLiveness: ESP on a child SA counts as a sign of life (RFC 7296 §1.4),
// so an IKE SA that carries traffic sends no liveness checks, and one that
// carries none still does. Driven with two real IKE engines (tests/sim).
#include "daemon/ike_liveness.h"

#include <gtest/gtest.h>

#include "sim/ike_sim.h"

namespace ainet::daemon {
namespace {

struct Pair : ike::sim::EnginePair {
  IkeLiveness live;
  std::map<uint32_t, uint64_t> esp_in;  // a's inbound packets per child SA
  Pair() : EnginePair(5) {
    EXPECT_TRUE(a->engine().initiate(net.now(), "to-b", *a).ok());
    net.run_for(Duration::s(2));
    EXPECT_EQ(a->child_ups.size(), 1u);
    for (const auto& u : a->child_ups) {
      esp_in[u.spi_in] = 0;
      live.child_up(u.spi_in, u.ike_sa, 0);
    }
  }
  // One second of the daemon's life: ESP arrives (or not), then the check
  // that IkeNode::on_timer makes before the engine's timers.
  size_t second(bool esp) {
    if (esp)
      for (auto& [spi, n] : esp_in) ++n;
    const size_t alive = live.check(net.now(), a->engine(), [this](uint32_t spi) {
      auto it = esp_in.find(spi);
      return it == esp_in.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    });
    net.run_for(Duration::s(1));
    return alive;
  }
  uint64_t a_checks() const { return a->engine().counters().dpd_sent; }
};

// 40 s of the daemon's life, with or without ESP: how many seconds found
// the peer alive, and how many liveness checks a sent meanwhile.
std::pair<size_t, uint64_t> forty_seconds(bool esp) {
  Pair p;
  const uint64_t before = p.a_checks();
  size_t alive = 0;
  for (int i = 0; i < 40; ++i) alive += p.second(esp);
  return {alive, p.a_checks() - before};
}

TEST(IkeLiveness, EspPostponesTheLivenessCheck) {
  const auto [alive, checks] = forty_seconds(true);
  EXPECT_EQ(alive, 40u);
  EXPECT_EQ(checks, 0u);  // sim dpd_delay is 10 s
}

TEST(IkeLiveness, NoEspStillChecks) {
  // The negative control. b checks too, and each of its checks is a sign of
  // life for a: so a sends about every other one.
  const auto [alive, checks] = forty_seconds(false);
  EXPECT_EQ(alive, 0u);
  EXPECT_GE(checks, 2u);
}

TEST(IkeLiveness, FollowsAnIkeRekeyAndForgetsRemovedTunnels) {
  Pair p;
  const uint64_t h = p.a->ike_ups.at(0).handle;
  ASSERT_EQ(p.a->engine().rekey_ike(p.net.now(), h, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  ASSERT_FALSE(p.a->ike_downs.empty());
  const ike::IkeSaEvent& gone = p.a->ike_downs.back();
  ASSERT_EQ(gone.handle, h);
  ASSERT_NE(gone.new_handle, 0u);
  p.live.ike_rekeyed(gone.handle, gone.new_handle);
  const uint64_t before = p.a_checks();
  for (int i = 0; i < 30; ++i) p.second(true);
  EXPECT_EQ(p.a_checks(), before);  // the children now live on the new IKE SA
  // A tunnel the host no longer has is dropped from the table.
  ASSERT_EQ(p.live.tracked(), 1u);
  p.esp_in.clear();
  EXPECT_EQ(p.second(true), 0u);
  EXPECT_EQ(p.live.tracked(), 0u);
}

}  // namespace
}  // namespace ainet::daemon
