// CREATE_CHILD_SA (new child, child rekey, IKE SA rekey) and INFORMATIONAL
// (delete, liveness) between two engines; lifetimes; retransmission.
#include <gtest/gtest.h>

#include "sim/ike_sim.h"

namespace ainet::ike {
namespace {

using sim::IkeNode;
using sim::IkeSimNet;
using wire::IpAddress;

using sim::kNodeA;
using sim::kNodeB;

struct Pair : sim::EnginePair {
  Pair(IkeConfig ca, IkeConfig cb, uint64_t seed = 21)
      : EnginePair(std::move(ca), std::move(cb), seed) {}
  Pair() : EnginePair(21) {}
  uint64_t up() {
    auto h = a->engine().initiate(net.now(), "to-b", *a);
    EXPECT_TRUE(h.ok());
    net.run_for(Duration::s(2));
    EXPECT_EQ(a->ike_ups.size(), 1u);
    return h.ok() ? *h : 0;
  }
  uint64_t b_handle() const { return b->engine().list_ike_sas().at(0).handle; }
};

// Every live child SA at one end has its twin at the other, and ESP works.
::testing::AssertionResult children_match(IkeNode& x, IkeNode& y, size_t expected) {
  auto cx = x.live_children(), cy = y.live_children();
  if (cx.size() != expected || cy.size() != expected)
    return ::testing::AssertionFailure()
           << "live children " << cx.size() << "/" << cy.size() << ", expected " << expected;
  for (const auto& [spi, u] : cx) {
    auto it = cy.find(u.spi_out);
    if (it == cy.end()) return ::testing::AssertionFailure() << "no twin for SPI " << spi;
    auto r = sim::child_pair_works(u, it->second);
    if (!r) return r;
  }
  // The engines agree with the events.
  size_t ex = 0, ey = 0;
  for (const auto& s : x.engine().list_ike_sas()) ex += s.children.size();
  for (const auto& s : y.engine().list_ike_sas()) ey += s.children.size();
  if (ex != expected || ey != expected)
    return ::testing::AssertionFailure() << "engine children " << ex << "/" << ey;
  return ::testing::AssertionSuccess();
}

TEST(IkeChildExchange, CreateAnotherChild) {
  Pair p;
  const uint64_t h = p.up();
  ASSERT_EQ(p.a->engine().create_child(p.net.now(), h, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(children_match(*p.a, *p.b, 2));
  // The responder can create one too.
  ASSERT_EQ(p.b->engine().create_child(p.net.now(), p.b_handle(), *p.b), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(children_match(*p.a, *p.b, 3));
}

TEST(IkeChildExchange, RekeyChildFromEitherSide) {
  for (bool by_a : {true, false}) {
    Pair p;
    p.up();
    IkeNode& x = by_a ? *p.a : *p.b;
    const uint32_t old_in = x.child_ups.at(0).spi_in;
    ASSERT_EQ(x.engine().rekey_child(p.net.now(), old_in, x), Errc::ok);
    p.net.run_for(Duration::s(1));
    EXPECT_TRUE(children_match(*p.a, *p.b, 1));
    ASSERT_EQ(x.child_ups.size(), 2u);
    EXPECT_EQ(x.child_ups[1].replaces_spi_in, old_in);
    // The old pair is gone at both ends, as "rekeyed".
    for (IkeNode* n : {p.a, p.b}) {
      ASSERT_EQ(n->child_downs.size(), 1u);
      EXPECT_EQ(n->child_downs[0].reason, ChildDownReason::rekeyed);
    }
    EXPECT_EQ(p.a->engine().counters().child_rekeys, 1u);
    EXPECT_EQ(p.b->engine().counters().child_rekeys, 1u);
    auto info = x.engine().list_ike_sas().at(0);
    EXPECT_EQ(info.children.at(0).rekeys, 1u);
  }
}

TEST(IkeChildExchange, RekeyChildWithoutPfs) {
  PeerConfig pa = sim::a_to_b();
  pa.child_pfs = false;
  Pair p(sim::with_peer(pa), sim::with_peer(sim::b_to_a()));
  p.up();
  ASSERT_EQ(p.a->engine().rekey_child(p.net.now(), p.a->child_ups[0].spi_in, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(children_match(*p.a, *p.b, 1));
}

TEST(IkeChildExchange, RekeyIkeSaFromEitherSideMovesChildren) {
  for (bool by_a : {true, false}) {
    Pair p;
    const uint64_t ha = p.up();
    IkeNode& x = by_a ? *p.a : *p.b;
    const uint64_t hx = by_a ? ha : p.b_handle();
    ASSERT_EQ(x.engine().rekey_ike(p.net.now(), hx, x), Errc::ok);
    p.net.run_for(Duration::s(1));
    for (IkeNode* n : {p.a, p.b}) {
      ASSERT_EQ(n->ike_ups.size(), 2u) << n->name();
      ASSERT_EQ(n->ike_downs.size(), 1u) << n->name();
      EXPECT_EQ(n->ike_downs[0].reason, IkeDownReason::rekeyed);
      EXPECT_EQ(n->ike_downs[0].new_handle, n->ike_ups[1].handle);
      auto sas = n->engine().list_ike_sas();
      ASSERT_EQ(sas.size(), 1u);
      EXPECT_EQ(sas[0].rekeys, 1u);
      EXPECT_EQ(sas[0].children.size(), 1u);  // moved, not renegotiated
      EXPECT_TRUE(n->child_downs.empty());
      // §2.18: whoever rekeyed is the new SA's original initiator.
      EXPECT_EQ(sas[0].initiator, n == &x);
    }
    EXPECT_TRUE(children_match(*p.a, *p.b, 1));
    // The new IKE SA works: child rekey and a new child on it.
    const uint32_t in = p.a->child_ups.at(0).spi_in;
    ASSERT_EQ(p.a->engine().rekey_child(p.net.now(), in, *p.a), Errc::ok);
    ASSERT_EQ(p.b->engine().create_child(p.net.now(), p.b->ike_ups[1].handle, *p.b), Errc::ok);
    p.net.run_for(Duration::s(2));
    EXPECT_TRUE(children_match(*p.a, *p.b, 2));
    EXPECT_EQ(p.a->engine().state_counts().ike_sas, 1u);
    EXPECT_EQ(p.b->engine().state_counts().ike_sas, 1u);
  }
}

TEST(IkeChildExchange, DeleteChildAndIke) {
  Pair p;
  const uint64_t h = p.up();
  ASSERT_EQ(p.a->engine().create_child(p.net.now(), h, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  ASSERT_TRUE(children_match(*p.a, *p.b, 2));
  ASSERT_EQ(p.b->engine().terminate_child(p.net.now(), p.b->child_ups[0].spi_in, *p.b), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(children_match(*p.a, *p.b, 1));
  EXPECT_EQ(p.a->child_downs.at(0).reason, ChildDownReason::deleted_by_peer);
  EXPECT_EQ(p.b->child_downs.at(0).reason, ChildDownReason::deleted_locally);
  ASSERT_EQ(p.a->engine().terminate_ike(p.net.now(), h, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.a->ike_downs.at(0).reason, IkeDownReason::deleted_locally);
  EXPECT_EQ(p.b->ike_downs.at(0).reason, IkeDownReason::deleted_by_peer);
  EXPECT_TRUE(p.a->live_children().empty());
  EXPECT_TRUE(p.b->live_children().empty());
  EXPECT_EQ(p.a->engine().state_counts().total(), 0u);
  EXPECT_EQ(p.b->engine().state_counts().total(), 0u);
}

TEST(IkeChildExchange, CrossedDeletesOfTheSameChild) {
  Pair p;
  p.up();
  // Both ends delete the one child at the same moment (§1.4.1).
  ASSERT_EQ(p.a->engine().terminate_child(p.net.now(), p.a->child_ups[0].spi_in, *p.a), Errc::ok);
  ASSERT_EQ(p.b->engine().terminate_child(p.net.now(), p.b->child_ups[0].spi_in, *p.b), Errc::ok);
  p.net.run_for(Duration::s(2));
  EXPECT_TRUE(children_match(*p.a, *p.b, 0));
  EXPECT_EQ(p.a->child_downs.size(), 1u);
  EXPECT_EQ(p.b->child_downs.size(), 1u);
  EXPECT_EQ(p.a->engine().counters().total_drops(), 0u);
  EXPECT_EQ(p.b->engine().counters().total_drops(), 0u);
}

TEST(IkeChildExchange, LivenessCheckKeepsAnIdleSaAndKillsADeadOne) {
  Pair p;
  p.up();
  p.net.run_for(Duration::s(60));  // idle: DPD every 10 s, answered
  EXPECT_GE(p.a->engine().counters().dpd_sent + p.b->engine().counters().dpd_sent, 4u);
  EXPECT_EQ(p.a->live_ike_sas(), 1u);
  EXPECT_EQ(p.b->live_ike_sas(), 1u);
  // peer_alive (ESP seen) postpones the check.
  const uint64_t before = p.a->engine().counters().dpd_sent;
  for (int i = 0; i < 30; ++i) {
    p.a->engine().peer_alive(p.net.now(), p.a->ike_ups[0].handle);
    p.net.run_for(Duration::s(1));
  }
  EXPECT_EQ(p.a->engine().counters().dpd_sent, before);
  // b crashes: a's next liveness check goes unanswered; after the
  // retransmissions (0.5+1+2+4+4 s) a deletes the SA and its children.
  p.b->crash();
  p.net.run_for(Duration::s(40));
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::peer_dead);
  EXPECT_EQ(p.a->child_downs.at(0).reason, ChildDownReason::ike_sa_gone);
  EXPECT_EQ(p.a->engine().counters().dead_peers, 1u);
  EXPECT_EQ(p.a->engine().counters().retransmissions, 4u);
  EXPECT_EQ(p.a->engine().state_counts().total(), 0u);
}

TEST(IkeChildExchange, LostResponseIsAnsweredFromTheCache) {
  Pair p;
  // Lose the first IKE_AUTH response: the initiator retransmits the request
  // and the responder answers from its cache (§2.1) without redoing AUTH.
  int lost = 0;
  p.net.filter = [&](sim::Datagram& d) {
    auto m = parse_message(d.data);
    if (m && m->header.exchange_type() == ExchangeType::ike_auth && m->header.is_response() &&
        lost == 0) {
      ++lost;
      return false;
    }
    return true;
  };
  p.up();
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(p.a->engine().counters().retransmissions, 1u);
  EXPECT_EQ(p.b->engine().counters().responses_resent, 1u);
  EXPECT_EQ(p.b->child_ups.size(), 1u);  // not installed twice
  EXPECT_TRUE(children_match(*p.a, *p.b, 1));
}

TEST(IkeChildExchange, ResponderAheadOfInitiatorIsAnsweredOnceEstablished) {
  // The IKE_AUTH response is lost and the responder, already established,
  // starts a CREATE_CHILD_SA at once: the initiator leaves it unanswered
  // until its own retransmission brings the IKE_AUTH answer, then answers
  // the retransmitted request.
  Pair p;
  int dropped = 0;
  p.net.filter = [&](sim::Datagram& d) {
    auto m = parse_message(d.data);
    if (m && m->header.exchange_type() == ExchangeType::ike_auth && m->header.is_response() &&
        dropped++ == 0) {
      EXPECT_EQ(p.b->engine().create_child(p.net.now(), p.b->ike_ups.at(0).handle, *p.b), Errc::ok);
      return false;
    }
    return true;
  };
  p.up();
  p.net.run_for(Duration::s(3));
  EXPECT_EQ(p.a->engine().counters().drop(DropReason::unexpected), 1u);
  EXPECT_EQ(p.a->engine().counters().error_sent(NotifyType::invalid_syntax), 0u);
  EXPECT_TRUE(children_match(*p.a, *p.b, 2));
}

TEST(IkeChildExchange, LifetimesRekeyOnTheirOwn) {
  Pair p;
  p.up();
  // child_soft 600 s (minus up to 30 s jitter), ike_soft 3600 s: in 3 h
  // every child is rekeyed at least 17 times and the IKE SA at least twice,
  // with exactly one live child pair all the time.
  for (int i = 0; i < 36; ++i) {
    p.net.run_for(Duration::s(300));
    ASSERT_TRUE(children_match(*p.a, *p.b, 1)) << "at step " << i;
  }
  const IkeCounters& a = p.a->engine().counters();
  const IkeCounters& b = p.b->engine().counters();
  EXPECT_GE(a.child_rekeys, 17u);
  EXPECT_GE(a.ike_rekeys, 2u);
  EXPECT_EQ(a.child_rekeys, b.child_rekeys);
  EXPECT_EQ(a.ike_rekeys, b.ike_rekeys);
  EXPECT_EQ(a.total_drops(), 0u);
  EXPECT_EQ(b.total_drops(), 0u);
  EXPECT_EQ(p.a->engine().state_counts().ike_sas, 1u);
}

TEST(IkeChildExchange, HardLifetimeDeletesAChildThatCannotBeRekeyed) {
  IkeConfig ca = sim::with_peer(sim::a_to_b());
  ca.lifetimes.child_soft = Duration::s(100);
  ca.lifetimes.child_hard = Duration::s(105);
  ca.lifetimes.jitter = Duration::s(1);
  ca.dpd_delay = Duration::s(0);  // no liveness check: the rekey is the first to notice
  IkeConfig cb = sim::with_peer(sim::b_to_a());
  cb.lifetimes.child_soft = Duration::s(1000);
  cb.lifetimes.child_hard = Duration::s(1100);
  Pair p(ca, cb);
  p.up();
  // b dies; a's rekey at ~100 s goes unanswered; at 105 s the child's hard
  // lifetime ends it (while the rekey is still being retransmitted), and
  // when the retransmissions give up the IKE SA goes too.
  p.b->crash();
  p.net.run_for(Duration::s(101));  // up() took 2 s: the child is 103 s old
  EXPECT_TRUE(p.a->child_downs.empty());
  p.net.run_for(Duration::s(3));
  ASSERT_EQ(p.a->child_downs.size(), 1u);
  EXPECT_EQ(p.a->child_downs[0].reason, ChildDownReason::expired);
  EXPECT_EQ(p.a->live_ike_sas(), 1u);
  p.net.run_for(Duration::s(30));
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::peer_dead);
  EXPECT_EQ(p.a->engine().state_counts().total(), 0u);
}

TEST(IkeChildExchange, SimultaneousChildRekeyLeavesOnePair) {
  // §2.8.1, for many seeds (which nonce is lowest varies).
  int a_won = 0, b_won = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Pair p(sim::with_peer(sim::a_to_b()), sim::with_peer(sim::b_to_a()), seed);
    p.up();
    const uint32_t a_in = p.a->child_ups[0].spi_in, b_in = p.b->child_ups[0].spi_in;
    ASSERT_EQ(p.a->engine().rekey_child(p.net.now(), a_in, *p.a), Errc::ok);
    ASSERT_EQ(p.b->engine().rekey_child(p.net.now(), b_in, *p.b), Errc::ok);
    p.net.run_for(Duration::s(3));
    EXPECT_EQ(p.a->engine().counters().rekey_collisions, 1u) << seed;
    EXPECT_EQ(p.b->engine().counters().rekey_collisions, 1u) << seed;
    ASSERT_TRUE(children_match(*p.a, *p.b, 1)) << "seed " << seed;
    // Each end saw two new children (its own and the peer's) and kept one.
    EXPECT_EQ(p.a->child_ups.size(), 3u);
    EXPECT_EQ(p.a->child_downs.size(), 2u);
    // The loser deletes the redundant child it created (deleted_locally);
    // the winner sees that one deleted by its peer.
    bool a_lost = false;
    for (const auto& d : p.a->child_downs)
      a_lost = a_lost || d.reason == ChildDownReason::deleted_locally;
    bool b_lost = false;
    for (const auto& d : p.b->child_downs)
      b_lost = b_lost || d.reason == ChildDownReason::deleted_locally;
    EXPECT_NE(a_lost, b_lost) << "seed " << seed;
    const bool a_created = !a_lost;
    (a_created ? a_won : b_won)++;
    EXPECT_EQ(p.a->engine().counters().total_drops(), 0u);
    EXPECT_EQ(p.b->engine().counters().total_drops(), 0u);
  }
  // Both outcomes occur over the seeds (the rule is not "initiator wins").
  EXPECT_GT(a_won, 0);
  EXPECT_GT(b_won, 0);
}

TEST(IkeChildExchange, SimultaneousIkeRekeyLeavesOneIkeSa) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Pair p(sim::with_peer(sim::a_to_b()), sim::with_peer(sim::b_to_a()), seed);
    const uint64_t ha = p.up();
    ASSERT_EQ(p.a->engine().rekey_ike(p.net.now(), ha, *p.a), Errc::ok);
    ASSERT_EQ(p.b->engine().rekey_ike(p.net.now(), p.b_handle(), *p.b), Errc::ok);
    p.net.run_for(Duration::s(3));
    for (IkeNode* n : {p.a, p.b}) {
      auto sas = n->engine().list_ike_sas();
      ASSERT_EQ(sas.size(), 1u) << "seed " << seed << " " << n->name();
      EXPECT_EQ(sas[0].children.size(), 1u);
      EXPECT_EQ(sas[0].state, IkeState::established);
    }
    // Both ends kept the same IKE SA (same SPIs).
    EXPECT_EQ(p.a->engine().list_ike_sas()[0].spi_i, p.b->engine().list_ike_sas()[0].spi_i);
    EXPECT_EQ(p.a->engine().list_ike_sas()[0].spi_r, p.b->engine().list_ike_sas()[0].spi_r);
    EXPECT_TRUE(children_match(*p.a, *p.b, 1));
    // The survivor works.
    ASSERT_EQ(p.a->engine().create_child(p.net.now(), p.a->engine().list_ike_sas()[0].handle, *p.a),
              Errc::ok);
    p.net.run_for(Duration::s(2));
    EXPECT_TRUE(children_match(*p.a, *p.b, 2)) << "seed " << seed;
  }
}

TEST(IkeChildExchange, ChildRekeyDuringIkeRekeyGetsTemporaryFailureThenSucceeds) {
  Pair p;
  const uint64_t ha = p.up();
  // §2.25.2: a's IKE rekey and b's child rekey cross; b's child rekey is
  // refused with TEMPORARY_FAILURE and retried after a few seconds.
  ASSERT_EQ(p.a->engine().rekey_ike(p.net.now(), ha, *p.a), Errc::ok);
  ASSERT_EQ(p.b->engine().rekey_child(p.net.now(), p.b->child_ups[0].spi_in, *p.b), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_GE(p.a->engine().counters().error_sent(NotifyType::temporary_failure) +
                p.b->engine().counters().error_sent(NotifyType::temporary_failure),
            1u);
  p.net.run_for(Duration::s(15));
  EXPECT_TRUE(children_match(*p.a, *p.b, 1));
  EXPECT_EQ(p.a->engine().list_ike_sas().size(), 1u);
  EXPECT_EQ(p.b->engine().list_ike_sas().size(), 1u);
}

}  // namespace
}  // namespace ainet::ike
