// IKEv2 in the deterministic simulation (tests/sim/ike_sim.h): two engines
// over a lossy, duplicating, reordering network on a virtual clock. Issue 9
// asks for a lost-message case, simultaneous rekeying (RFC 7296 §2.8.1), a
// crashed peer, cookies under a half-open flood, and no state left behind.
#include "sim/ike_sim.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "crypto/hmac.h"
#include "wire/constants.h"

namespace ainet::ike {
namespace {

using sim::IkeNode;
using sim::IkeSimNet;
using wire::IpAddress;

using sim::kNodeA;
using sim::kNodeB;

// Seeds per scenario: the default keeps ctest short; AINET_IKE_SIM_SEEDS=N
// runs N seeds (a soak run).
uint64_t seeds(uint64_t dflt) {
  const char* e = std::getenv("AINET_IKE_SIM_SEEDS");
  return e != nullptr ? std::strtoull(e, nullptr, 10) : dflt;
}

IkeConfig short_lives(PeerConfig p) {
  IkeConfig c = sim::sim_config();
  c.lifetimes.child_soft = Duration::s(60);
  c.lifetimes.child_hard = Duration::s(120);
  c.lifetimes.ike_soft = Duration::s(300);
  c.lifetimes.ike_hard = Duration::s(420);
  c.lifetimes.jitter = Duration::s(10);
  c.peers.push_back(std::move(p));
  return c;
}

struct World {
  IkeSimNet net;
  IkeNode* a;
  IkeNode* b;
  uint64_t initiations = 0;
  explicit World(uint64_t seed, Duration jitter = Duration::s(10)) : net(seed) {
    IkeConfig ca = short_lives(sim::a_to_b());
    IkeConfig cb = short_lives(sim::b_to_a());
    ca.lifetimes.jitter = cb.lifetimes.jitter = jitter;
    a = &net.add_node("a", kNodeA, ca);
    b = &net.add_node("b", kNodeB, cb);
  }
  // What a daemon does (phase 2): keep an IKE SA to the peer up, starting a
  // new one whenever there is none.
  void keep_up(Duration total, Duration step = Duration::s(5)) {
    const Time end = net.now() + total;
    while (net.now() < end) {
      if (!a->crashed() && a->engine().list_ike_sas().empty()) {
        ASSERT_TRUE(a->engine().initiate(net.now(), "to-b", *a).ok());
        ++initiations;
      }
      net.run_for(step);
    }
  }
};

// After a quiet period: one IKE SA each (the same one), and child SAs that
// pair up with working keys.
::testing::AssertionResult converged(IkeNode& a, IkeNode& b) {
  auto sa = a.engine().list_ike_sas(), sb = b.engine().list_ike_sas();
  if (sa.size() != 1 || sb.size() != 1)
    return ::testing::AssertionFailure() << "IKE SAs " << sa.size() << "/" << sb.size();
  if (sa[0].spi_i != sb[0].spi_i || sa[0].spi_r != sb[0].spi_r)
    return ::testing::AssertionFailure() << "different IKE SAs";
  if (sa[0].state != IkeState::established || sb[0].state != IkeState::established)
    return ::testing::AssertionFailure() << "not established";
  auto ca = a.live_children(), cb = b.live_children();
  if (ca.empty() || ca.size() != cb.size() || ca.size() != sa[0].children.size() ||
      cb.size() != sb[0].children.size())
    return ::testing::AssertionFailure()
           << "children " << ca.size() << "/" << cb.size() << " engine " << sa[0].children.size()
           << "/" << sb[0].children.size();
  for (const auto& [spi, u] : ca) {
    auto it = cb.find(u.spi_out);
    if (it == cb.end()) return ::testing::AssertionFailure() << "child without twin";
    auto r = sim::child_pair_works(u, it->second);
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

TEST(IkeSim, LossDuplicationReorderingWithShortLifetimes) {
  for (uint64_t seed = 1; seed <= seeds(6); ++seed) {
    World w(seed);
    w.net.impair.loss = 0.15;
    w.net.impair.duplicate = 0.05;
    w.net.impair.reorder = 0.15;
    w.keep_up(Duration::s(1800));  // 30 virtual minutes: ~30 child rekeys, ~6 IKE rekeys
    w.net.impair = {};
    w.keep_up(Duration::s(120));
    EXPECT_TRUE(converged(*w.a, *w.b)) << "seed " << seed;
    const IkeCounters& ca = w.a->engine().counters();
    EXPECT_GT(ca.retransmissions, 0u) << "seed " << seed;
    EXPECT_GT(ca.child_rekeys + w.b->engine().counters().child_rekeys, 20u) << "seed " << seed;
    EXPECT_GT(ca.ike_rekeys, 2u) << "seed " << seed;
    // Duplicates of requests are answered from the cache, never processed twice.
    EXPECT_GT(ca.responses_resent + w.b->engine().counters().responses_resent, 0u)
        << "seed " << seed;
    // Nothing unauthenticated got in: no integrity failures on a clean network.
    EXPECT_EQ(ca.drop(DropReason::integrity), 0u);
    EXPECT_EQ(w.b->engine().counters().drop(DropReason::integrity), 0u);
  }
}

TEST(IkeSim, SimultaneousRekeysEveryTime) {
  // Both ends rekey the child SA at the same instant every 20 s, and the
  // IKE SA every 100 s (§2.8.1, §2.8.2), with 5% loss and reordering; the
  // lifetimes are long so nothing else rekeys.
  for (uint64_t seed = 1; seed <= seeds(4); ++seed) {
    World w(seed);
    w.keep_up(Duration::s(5));
    w.net.impair.loss = 0.05;
    w.net.impair.reorder = 0.1;
    for (int round = 1; round <= 40; ++round) {
      for (IkeNode* n : {w.a, w.b}) {
        auto sas = n->engine().list_ike_sas();
        for (const auto& s : sas) {
          if (s.state != IkeState::established) continue;
          if (round % 5 == 0) {
            (void)n->engine().rekey_ike(w.net.now(), s.handle, *n);
          } else {
            for (const auto& c : s.children)
              (void)n->engine().rekey_child(w.net.now(), c.spi_in, *n);
          }
        }
      }
      w.keep_up(Duration::s(20));
    }
    w.net.impair = {};
    w.keep_up(Duration::s(60));
    EXPECT_TRUE(converged(*w.a, *w.b)) << "seed " << seed;
    EXPECT_GT(w.a->engine().counters().rekey_collisions, 20u) << "seed " << seed;
    // The IKE SA is only ever replaced by rekeys, except when a request's
    // every retransmission was lost (5 tries at 5% loss: about once in
    // 100,000 exchanges; seed 813 of a 1,000-seed soak does it) and the
    // keep-up policy starts a new one.
    size_t dead = 0;
    for (const auto& e : w.a->ike_downs) {
      EXPECT_TRUE(e.reason == IkeDownReason::rekeyed || e.reason == IkeDownReason::redundant ||
                  e.reason == IkeDownReason::peer_dead)
          << "seed " << seed << " handle " << e.handle << " reason " << static_cast<int>(e.reason);
      dead += e.reason == IkeDownReason::peer_dead;
    }
    EXPECT_LE(w.initiations, 1 + dead) << "seed " << seed;
  }
}

TEST(IkeSim, CrashedPeerIsDetectedAndRestartedPeerIsReached) {
  World w(9);
  w.keep_up(Duration::s(30));
  ASSERT_TRUE(converged(*w.a, *w.b));
  // b crashes: a's liveness check (10 s) and its retransmissions (~15 s)
  // end the IKE SA and its children; nothing of it remains.
  w.b->crash();
  w.net.run_for(Duration::s(40));
  ASSERT_EQ(w.a->ike_downs.size(), 1u);
  EXPECT_EQ(w.a->ike_downs[0].reason, IkeDownReason::peer_dead);
  EXPECT_TRUE(w.a->live_children().empty());
  EXPECT_EQ(w.a->engine().state_counts().total(), 0u);
  // b comes back with no state; a sets up a new IKE SA. Messages for the
  // SA b forgot are dropped silently (unknown SPI, §2.21.4).
  w.b->restart();
  w.keep_up(Duration::s(30));
  EXPECT_TRUE(converged(*w.a, *w.b));
  EXPECT_EQ(w.initiations, 2u);
}

TEST(IkeSim, RestartedPeerKillsStaleSaThroughLivenessCheck) {
  World w(10);
  w.keep_up(Duration::s(30));
  // b reboots while a is down for a moment: a's next message on the old SA
  // reaches a b that does not know it; a finds out by its liveness check.
  w.b->crash();
  w.b->restart();
  w.keep_up(Duration::s(60));
  EXPECT_GE(w.b->engine().counters().drop(DropReason::unknown_spi), 1u);
  EXPECT_TRUE(converged(*w.a, *w.b));
}

TEST(IkeSim, CookiesUnderAHalfOpenFlood) {
  IkeSimNet net(12);
  IkeConfig cb = sim::sim_config();
  cb.peers.push_back(sim::b_to_a());
  cb.cookie_threshold = 16;
  cb.max_half_open = 64;
  IkeNode& b = net.add_node("b", kNodeB, cb);
  IkeConfig ca = sim::sim_config();
  ca.peers.push_back(sim::a_to_b());
  IkeNode& a = net.add_node("a", kNodeA, ca);
  // 4,000 IKE_SA_INIT requests from 4,000 spoofed sources over 10 s: they
  // cannot see the COOKIE answers, so they never hold more than the 16
  // half-open SAs allowed before cookies start.
  crypto::DeterministicRng flood_rng(99);
  crypto::DeterministicRng ke_rng(98);
  const auto flood_kp = crypto::x25519_generate(ke_rng);
  size_t max_half_open = 0;
  bool legit_started = false;
  for (int i = 0; i < 4000; ++i) {
    IkeHeader h;
    h.spi_i = flood_rng.u64() | 1;
    h.exchange = static_cast<uint8_t>(ExchangeType::ike_sa_init);
    h.flags = kFlagInitiator;
    Bytes m;
    write_ike_header(m, h);
    PayloadChainWriter wr(m, 16);
    Bytes sa;
    write_sa(sa, {make_ike_proposal(ProposalPolicy{}, 0, 0)});
    wr.add(PayloadType::sa, sa);
    Bytes ke;
    write_ke(ke, kDhCurve25519, flood_kp.pub);
    wr.add(PayloadType::ke, ke);
    Bytes nonce(32);
    flood_rng.fill(nonce);
    wr.add(PayloadType::nonce, nonce);
    ASSERT_EQ(finish_message(m), Errc::ok);
    const UdpEndpoint spoofed{IpAddress::v4(0xc6120000u + static_cast<uint32_t>(i)), 500};
    net.inject(spoofed, {kNodeB, 500}, m);
    net.run_for(Duration::ms(2));
    max_half_open = std::max(max_half_open, b.engine().state_counts().half_open);
    if (i == 2000 && !legit_started) {
      // A real initiator connects in the middle of the flood.
      ASSERT_TRUE(a.engine().initiate(net.now(), "to-b", a).ok());
      legit_started = true;
    }
  }
  net.run_for(Duration::ms(50));  // the last injected requests arrive
  // 16 flood SAs, plus the real initiator's once it came back with a cookie.
  EXPECT_EQ(max_half_open, 17u);
  EXPECT_EQ(b.engine().counters().cookies_sent,
            4000u - 16u + 1u);                         // +1: the real initiator's first try
  EXPECT_EQ(b.engine().counters().total_drops(), 0u);  // refused with COOKIE, not dropped
  // The real initiator got through with its cookie (§2.6).
  ASSERT_EQ(a.ike_ups.size(), 1u);
  ASSERT_EQ(a.child_ups.size(), 1u);
  // After the half-open timeout only the real SA is left.
  net.run_for(Duration::s(12));
  const IkeStateCounts c = b.engine().state_counts();
  EXPECT_EQ(c.ike_sas, 1u);
  EXPECT_EQ(c.half_open, 0u);
  EXPECT_EQ(c.init_index, 1u);
  EXPECT_EQ(b.engine().counters().ike_sas_failed, 16u);  // the flood's half-open SAs timed out
}

TEST(IkeSim, AdversaryOnTheWire) {
  // An on-path attacker flips bits in, truncates and replays IKE messages
  // (10% each) while the peers rekey every minute. Every forgery is dropped
  // (integrity, parse or message ID) or answered from the cache; nothing is
  // accepted, and once the attacker stops the peers agree again.
  for (uint64_t seed = 1; seed <= seeds(3); ++seed) {
    World w(seed);
    crypto::DeterministicRng evil(seed * 7919);
    std::vector<sim::Datagram> seen;
    int tampered = 0;
    w.net.filter = [&](sim::Datagram& d) {
      if (d.injected) return true;
      seen.push_back(d);
      const uint32_t r = evil.u32() % 100;
      if (r < 10 && d.data.size() > 40) {
        d.data[28 + evil.uniform(d.data.size() - 28)] ^=
            static_cast<uint8_t>(1 + evil.uniform(255));
        ++tampered;
      } else if (r < 20 && d.data.size() > 1) {
        d.data.resize(evil.uniform(d.data.size()));
        ++tampered;
      } else if (r < 30 && seen.size() > 2) {
        const sim::Datagram& old = seen[evil.uniform(seen.size())];
        w.net.inject(old.from, old.to, old.data);  // a replay of something earlier
      }
      return true;
    };
    w.keep_up(Duration::s(900));
    w.net.filter = nullptr;
    w.keep_up(Duration::s(120));
    EXPECT_GT(tampered, 20) << seed;
    EXPECT_TRUE(converged(*w.a, *w.b)) << "seed " << seed;
    uint64_t integrity = 0;
    for (IkeNode* n : {w.a, w.b}) integrity += n->engine().counters().drop(DropReason::integrity);
    EXPECT_GT(integrity, 0u) << seed;
    // Whatever happened, terminating leaves nothing behind at either end.
    for (const auto& s : w.a->engine().list_ike_sas())
      ASSERT_EQ(w.a->engine().terminate_ike(w.net.now(), s.handle, *w.a), Errc::ok);
    w.net.run_for(Duration::s(60));
    EXPECT_EQ(w.a->engine().state_counts().total(), 0u) << seed;
    EXPECT_EQ(w.b->engine().state_counts().total(), 0u) << seed;
  }
}

TEST(IkeSim, RunsAreAFunctionOfTheSeed) {
  auto digest = [](uint64_t seed) {
    World w(seed);
    w.net.impair.loss = 0.2;
    w.net.impair.reorder = 0.2;
    w.keep_up(Duration::s(400));
    Bytes all;
    for (const auto& d : w.net.wire_log) all.insert(all.end(), d.data.begin(), d.data.end());
    uint8_t h[32];
    EXPECT_EQ(crypto::sha256({all}, h), Errc::ok);
    return to_hex(h);
  };
  EXPECT_EQ(digest(5), digest(5));
  EXPECT_NE(digest(5), digest(6));
}

}  // namespace
}  // namespace ainet::ike
