// PVTs keyed and rekeyed by IKEv2 (docs/ike.md "PVTs"): every AIN of a
// 3-AIN line runs an ike::IkeEngine beside its core::Engine on the same
// simulated network and clock. The AINs authenticate with their Ed25519
// node identity keys from the directory (RFC 8420), the lower node id
// initiates, and each child SA becomes a PVT generation (Engine::pvt_sa_up).
// Shown here: an ANT across two IKE PVTs carries a steady stream without
// loss while both PVTs' child SAs and IKE SAs are rekeyed (explicitly, by
// the sequence-number trigger, and by short lifetimes); a CREATE that
// crosses a rekey builds a working ANT; a wrong identity key leaves the PVT
// down with no IKE or engine state behind.
#include <gtest/gtest.h>

#include <map>

#include "ike/ike_engine.h"
#include "sim/ike_sim.h"
#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

// IKE datagrams share the simulated network with the carrier's ESP: they are
// framed as [4 zero octets (no ESP SPI is 0, RFC 4303 §2.1)][dst port][src port][payload].
constexpr size_t kIkeFrame = 8;

// One AIN's IKE side: the network endpoint for its address, handing IKE to
// the IKE engine and everything else to the SimAin (the core engine).
class IkePvtAin final : public Endpoint, public ike::Effects {
 public:
  IkePvtAin(SimWorld& w, NodeId id, ike::IkeConfig cfg, uint64_t seed)
      : w_(w), ain_(w.ain(id)), rng_(seed), ike_(std::move(cfg), rng_) {
    w_.net.attach(ain_.address(), this);
  }

  ike::IkeEngine& ike() { return ike_; }
  SimAin& ain() { return ain_; }
  void kick() { w_.net.reschedule(this); }

  // Endpoint.
  void receive(Time now, const IpAddress& src, ByteSpan pkt) override {
    if (pkt.size() >= kIkeFrame && load_be32(pkt.data()) == 0) {
      if (drop_ike_from && *drop_ike_from == src) {
        ++ike_dropped;
        return;
      }
      const uint16_t dport = static_cast<uint16_t>(pkt[4] << 8 | pkt[5]);
      const uint16_t sport = static_cast<uint16_t>(pkt[6] << 8 | pkt[7]);
      ike_.handle_datagram(now, {ain_.address(), dport}, {src, sport}, pkt.subspan(kIkeFrame),
                           *this);
      return;
    }
    ain_.receive(now, src, pkt);
  }
  Time next_deadline() const override {
    return std::min(ain_.next_deadline(), ike_.next_deadline());
  }
  void on_timer(Time now) override {
    if (ain_.next_deadline() <= now) ain_.on_timer(now);
    if (ike_.next_deadline() <= now) ike_.handle_timers(now, *this);
    // The core asks for a rekey when a PVT's sequence numbers run high.
    for (; seen_events_ < ain_.events.size(); ++seen_events_) {
      const core::EngineEvent& e = ain_.events[seen_events_].event;
      if (e.kind == core::EventKind::pvt_rekey) {
        ++seq_rekeys_asked;
        (void)ike_.rekey_child(now, e.spi, *this);
      }
    }
  }

  // ike::Effects.
  void send_datagram(const ike::UdpEndpoint& local, const ike::UdpEndpoint& remote,
                     ByteSpan payload) override {
    Bytes b(kIkeFrame + payload.size());
    b[4] = static_cast<uint8_t>(remote.port >> 8);
    b[5] = static_cast<uint8_t>(remote.port);
    b[6] = static_cast<uint8_t>(local.port >> 8);
    b[7] = static_cast<uint8_t>(local.port);
    std::copy(payload.begin(), payload.end(), b.begin() + kIkeFrame);
    w_.net.send(ain_.address(), remote.addr, b);
  }
  void child_sa_up(const ike::ChildSaUp& u) override {
    const NodeId peer = peer_of(u.peer);
    ASSERT_NE(peer, 0u) << u.peer;
    const Status st = ain_.engine().pvt_sa_up(peer, u.remote.addr, u.outbound, u.inbound,
                                              u.extra_keymat, u.requested);
    EXPECT_EQ(st, Errc::ok);
    peer_of_spi_[u.spi_in] = peer;
    ++child_ups;
  }
  void child_sa_down(const ike::ChildSaDown& d) override {
    auto it = peer_of_spi_.find(d.spi_in);
    if (it == peer_of_spi_.end()) return;
    EXPECT_EQ(ain_.engine().pvt_sa_down(w_.now(), it->second, d.spi_in, ain_), Errc::ok);
    peer_of_spi_.erase(it);
    ++child_downs;
  }
  void ike_sa_up(const ike::IkeSaEvent&) override { ++ike_ups; }
  void ike_sa_down(const ike::IkeSaEvent&) override { ++ike_downs; }

  static NodeId peer_of(const std::string& name) {
    return name.rfind("ain", 0) == 0 ? static_cast<NodeId>(std::stoul(name.substr(3))) : 0;
  }

  uint64_t child_ups = 0, child_downs = 0, ike_ups = 0, ike_downs = 0, seq_rekeys_asked = 0;
  // A test hook: IKE datagrams from this address are lost on the way in.
  std::optional<IpAddress> drop_ike_from;
  uint64_t ike_dropped = 0;

 private:
  SimWorld& w_;
  SimAin& ain_;
  crypto::DeterministicRng rng_;
  ike::IkeEngine ike_;
  std::map<uint32_t, NodeId> peer_of_spi_;
  size_t seen_events_ = 0;
};

struct Options {
  uint64_t seed = 11;
  ike::Lifetimes lifetimes = ike::sim::sim_config().lifetimes;
  uint64_t pvt_rekey_seq = 0xC0000000u;
  // AIN 2 expects this key from AIN 1 instead of AIN 1's identity key.
  std::optional<crypto::PublicKey> wrong_key_for_1;
};

// A line 1 - 2 - 3 (udp carrier), customer at 1, registered responder at 3,
// both PVTs IKE-keyed.
class IkePvtWorld {
 public:
  explicit IkePvtWorld(const Options& o) {
    WorldSpec spec = line_spec(3, core::Carrier::udp, o.seed);
    spec.tweak = [o](core::EngineConfig& c) {
      c.route_length = 3;
      c.pvt_rekey_seq = o.pvt_rekey_seq;
      for (core::PvtConfig& p : c.pvts) {
        p = core::PvtConfig{p.peer, {}, {}, {}, true};
      }
    };
    w = make_world(spec);
    if (!w) return;
    for (NodeId id = 1; id <= 3; ++id) {
      ike::IkeConfig c = ike::sim::sim_config();
      c.lifetimes = o.lifetimes;
      c.force_encap = true;  // the udp carrier receives ESP in UDP only
      for (NodeId peer : {id - 1, id + 1}) {
        if (peer < 1 || peer > 3) continue;
        ike::PeerConfig p;
        p.name = "ain" + std::to_string(peer);
        p.local = {w->keys.ain(id).address, wire::kIkePort};
        p.remote = {w->keys.ain(peer).address, wire::kIkePort};
        p.local_id = ike::Identity::address(w->keys.ain(id).address);
        p.remote_id = ike::Identity::address(w->keys.ain(peer).address);
        p.local_auth.kind = p.remote_auth.kind = ike::AuthKind::ed25519;
        p.local_auth.ed25519 = w->keys.ain(id).identity.priv;
        p.remote_auth.ed25519 = w->keys.ain(peer).identity.pub;
        if (id == 2 && peer == 1 && o.wrong_key_for_1) p.remote_auth.ed25519 = *o.wrong_key_for_1;
        c.peers.push_back(std::move(p));
      }
      nodes.push_back(std::make_unique<IkePvtAin>(*w, id, std::move(c), o.seed * 31 + id));
    }
  }

  IkePvtAin& node(NodeId id) { return *nodes.at(id - 1); }
  const core::PvtInfo pvt(NodeId at, NodeId peer) {
    for (const core::PvtInfo& p : w->ain(at).engine().pvts())
      if (p.peer == peer) return p;
    ADD_FAILURE() << "no PVT " << at << "->" << peer;
    return {};
  }
  // The lower node id initiates each PVT's IKE SA; the higher one only answers.
  void start() {
    for (NodeId id : {1u, 2u}) {
      auto h = node(id).ike().initiate(w->now(), "ain" + std::to_string(id + 1), node(id));
      ASSERT_TRUE(h.ok());
      node(id).kick();
    }
  }
  // The IKE SA `at` holds with `peer` (its handle), 0 if none.
  uint64_t ike_sa(NodeId at, NodeId peer) {
    for (const ike::IkeSaInfo& i : node(at).ike().list_ike_sas())
      if (i.peer == "ain" + std::to_string(peer) && i.state == ike::IkeState::established)
        return i.handle;
    return 0;
  }
  // The inbound SPI of the newest child SA `at` holds with `peer`.
  uint32_t child_spi(NodeId at, NodeId peer) { return pvt(at, peer).spi_in; }

  std::unique_ptr<SimWorld> w;
  std::vector<std::unique_ptr<IkePvtAin>> nodes;
};

// A steady stream from the initiator to the responder behind AIN 3: one
// datagram every `gap`; returns how many were sent.
struct Stream {
  Flow flow{real_inner_address(0, false), responder_host(false), 41000, 80};
  uint32_t sent = 0;
  Status send(SimWorld& w) {
    return w.customer(0).send_datagram(make_udp_datagram(flow, sim_payload(7, sent++, 300)));
  }
};

void run_stream(IkePvtWorld& x, Stream& s, Duration total, Duration gap = Duration::ms(20)) {
  for (int64_t t = 0; t < total.ns; t += gap.ns) {
    ASSERT_EQ(s.send(*x.w), Errc::ok);
    x.w->run_for(gap);
  }
}

// Every datagram of the stream reached the responder, in order, once.
::testing::AssertionResult all_delivered(IkePvtWorld& x, const Stream& s) {
  const auto& got = x.w->customer(1).received;
  if (got.size() != s.sent)
    return ::testing::AssertionFailure()
           << got.size() << " of " << s.sent << " datagrams delivered";
  for (uint32_t i = 0; i < s.sent; ++i)
    if (got[i] != make_udp_datagram(s.flow, sim_payload(7, i, 300)))
      return ::testing::AssertionFailure() << "datagram " << i << " differs";
  return ::testing::AssertionSuccess();
}

TEST(IkePvt, PvtsComeUpByIkeAndCarryAnAnt) {
  IkePvtWorld x({});
  ASSERT_NE(x.w, nullptr);
  // Until the first child SA is up the PVT is down: no ANT can be built.
  EXPECT_FALSE(x.pvt(1, 2).up);
  EXPECT_EQ(x.pvt(1, 2).generation, 0u);
  x.w->run_for(Duration::s(2));
  EXPECT_FALSE(x.pvt(1, 2).up);
  EXPECT_EQ(x.w->customer(1).received.size(), 0u);

  x.start();
  x.w->run_for(Duration::s(3));
  for (auto [a, b] : {std::pair{1u, 2u}, {2u, 1u}, {2u, 3u}, {3u, 2u}}) {
    const core::PvtInfo p = x.pvt(a, b);
    EXPECT_TRUE(p.up) << a << "->" << b;
    EXPECT_TRUE(p.ike);
    EXPECT_EQ(p.generation, 1u);
    EXPECT_EQ(p.generations_live, 1u);
  }
  // One IKE SA per PVT, initiated by the lower id.
  EXPECT_EQ(x.node(1).ike().list_ike_sas().size(), 1u);
  EXPECT_EQ(x.node(2).ike().list_ike_sas().size(), 2u);
  EXPECT_TRUE(x.node(1).ike().list_ike_sas()[0].initiator);
  EXPECT_FALSE(x.node(3).ike().list_ike_sas()[0].initiator);

  Stream s;
  run_stream(x, s, Duration::s(1));
  x.w->run_for(Duration::s(1));
  EXPECT_TRUE(all_delivered(x, s));
  auto ants = x.w->ain(1).engine().ants();
  ASSERT_EQ(ants.size(), 1u);
  EXPECT_EQ(ants[0].route, (std::vector<NodeId>{1, 2, 3}));
}

// Child SAs and IKE SAs of both PVTs rekeyed, one after the other, under a
// stream over a 3-hop ANT: nothing lost, the ANT stays, generations advance.
TEST(IkePvt, AntAndSignalingSurviveChildAndIkeRekeys) {
  IkePvtWorld x({});
  ASSERT_NE(x.w, nullptr);
  x.start();
  x.w->run_for(Duration::s(3));
  Stream s;
  run_stream(x, s, Duration::s(1));
  ASSERT_EQ(x.w->ain(1).engine().ants().size(), 1u);
  const uint64_t ant = x.w->ain(1).engine().ants()[0].handle;

  // Child rekeys started by either end, then IKE SA rekeys (children move).
  const std::vector<std::pair<NodeId, NodeId>> child_rekeys = {{1, 2}, {3, 2}, {2, 1}, {2, 3}};
  for (auto [at, peer] : child_rekeys) {
    ASSERT_EQ(x.node(at).ike().rekey_child(x.w->now(), x.child_spi(at, peer), x.node(at)),
              Errc::ok);
    x.node(at).kick();
    run_stream(x, s, Duration::s(1));
  }
  for (auto [at, peer] : {std::pair{2u, 1u}, {3u, 2u}}) {
    const uint64_t h = x.ike_sa(at, peer);
    ASSERT_NE(h, 0u);
    ASSERT_EQ(x.node(at).ike().rekey_ike(x.w->now(), h, x.node(at)), Errc::ok);
    x.node(at).kick();
    run_stream(x, s, Duration::s(1));
  }
  // And a child rekey on the rekeyed IKE SAs.
  ASSERT_EQ(x.node(1).ike().rekey_child(x.w->now(), x.child_spi(1, 2), x.node(1)), Errc::ok);
  x.node(1).kick();
  run_stream(x, s, Duration::s(1));
  x.w->run_for(Duration::s(1));

  EXPECT_TRUE(all_delivered(x, s));
  EXPECT_GE(s.sent, 350u);
  auto ants = x.w->ain(1).engine().ants();
  ASSERT_EQ(ants.size(), 1u);
  EXPECT_EQ(ants[0].handle, ant) << "the ANT was rebuilt";
  EXPECT_EQ(x.w->ain(1).count_events(core::EventKind::pvt_down), 0u);
  EXPECT_EQ(x.w->ain(1).count_events(core::EventKind::ant_down), 0u);
  // PVT 1-2: three child rekeys (1, 2, 1); PVT 2-3: two (3, 2).
  EXPECT_EQ(x.pvt(1, 2).generation, 4u);
  EXPECT_EQ(x.pvt(2, 1).generation, 4u);
  EXPECT_EQ(x.pvt(2, 3).generation, 3u);
  EXPECT_EQ(x.pvt(3, 2).generation, 3u);
  for (auto [a, b] : {std::pair{1u, 2u}, {2u, 1u}, {2u, 3u}, {3u, 2u}}) {
    EXPECT_EQ(x.pvt(a, b).generations_live, 1u) << "old generation not deleted " << a << "->" << b;
    EXPECT_TRUE(x.pvt(a, b).up);
  }
  EXPECT_EQ(x.node(2).ike().counters().ike_rekeys, 2u);
  EXPECT_EQ(x.node(2).ike().counters().child_rekeys, 5u);
  // Signaling survived: keepalives never went unanswered, and no packet was
  // refused anywhere (no unknown SPI, no failed authentication).
  EXPECT_EQ(x.w->total_drops(), 0u);
  EXPECT_EQ(x.w->ain(2).engine().stats().create_failures, 0u);
}

// Hold the rekey of PVT 1-2 half done: AIN 2 (responder) has installed the
// new generation and AIN 1 has not; build an ANT now. AIN 1 sends its CREATE
// on the old generation, AIN 2 must key the TVT with that generation's
// secret (it holds two). Then the other way: AIN 1 installs the new one and
// sends on it before AIN 2 has heard anything on it.
TEST(IkePvt, CreateCrossingARekeyBuildsAWorkingAnt) {
  IkePvtWorld x({});
  ASSERT_NE(x.w, nullptr);
  x.start();
  x.w->run_for(Duration::s(3));
  ASSERT_TRUE(x.pvt(1, 2).up);

  // AIN 2's CREATE_CHILD_SA responses to AIN 1 are lost for now.
  x.node(1).drop_ike_from = x.w->keys.ain(2).address;
  ASSERT_EQ(x.node(1).ike().rekey_child(x.w->now(), x.child_spi(1, 2), x.node(1)), Errc::ok);
  x.node(1).kick();
  x.w->run_for(Duration::ms(100));
  ASSERT_GE(x.node(1).ike_dropped, 1u);
  ASSERT_EQ(x.pvt(2, 1).generations_live, 2u);  // AIN 2 answered: it has both
  ASSERT_EQ(x.pvt(1, 2).generations_live, 1u);  // AIN 1 does not know yet

  Stream s;
  run_stream(x, s, Duration::ms(300));  // the ANT is built now, over generation 1
  ASSERT_EQ(x.w->ain(1).engine().ants().size(), 1u);
  EXPECT_TRUE(x.w->ain(1).engine().ants()[0].up);
  x.w->run_for(Duration::ms(100));
  EXPECT_TRUE(all_delivered(x, s));

  // Release: AIN 1 installs generation 2 and (having asked for it) sends on
  // it at once; a second ANT's CREATE goes on generation 2.
  x.node(1).drop_ike_from.reset();
  // AIN 1 retransmits the request (RFC 7296 §2.1); AIN 2 answers again.
  x.w->run_for(Duration::s(2));
  ASSERT_EQ(x.pvt(1, 2).generation, 2u);
  Stream s2;
  s2.flow.dst = IpAddress::parse("203.0.113.6").value();  // an ANT is per (src, dst)
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(s.send(*x.w), Errc::ok);
    ASSERT_EQ(s2.send(*x.w), Errc::ok);
    x.w->run_for(Duration::ms(20));
  }
  x.w->run_for(Duration::s(1));
  EXPECT_EQ(x.w->ain(1).engine().ants().size(), 2u);
  // Both flows delivered: keys agreed at both ends for both ANTs.
  const auto& got = x.w->customer(1).received;
  EXPECT_EQ(got.size(), s.sent + s2.sent);
  EXPECT_EQ(x.w->total_drops(), 0u);
}

// Sequence-number exhaustion: once a generation's outbound counter passes
// pvt_rekey_seq, the core asks for a rekey and IKE does one.
TEST(IkePvt, SequenceSpaceTriggersARekey) {
  Options o;
  o.pvt_rekey_seq = 40;  // keepalives alone get there in 40 s
  IkePvtWorld x(o);
  ASSERT_NE(x.w, nullptr);
  x.start();
  x.w->run_for(Duration::s(3));
  Stream s;
  run_stream(x, s, Duration::s(100), Duration::ms(200));
  x.w->run_for(Duration::s(1));
  EXPECT_TRUE(all_delivered(x, s));
  EXPECT_GE(x.node(1).seq_rekeys_asked + x.node(2).seq_rekeys_asked, 2u);
  EXPECT_GE(x.pvt(1, 2).generation, 3u);
  EXPECT_LT(x.pvt(1, 2).seq_out, 40u + 20u);
  EXPECT_EQ(x.w->total_drops(), 0u);
}

// Short lifetimes: both ends rekey children and IKE SAs on their own timers
// (with jitter, sometimes at once: RFC 7296 §2.8.1), under traffic.
TEST(IkePvt, LifetimeRekeysUnderTraffic) {
  Options o;
  o.lifetimes.child_soft = Duration::s(6);
  o.lifetimes.child_hard = Duration::s(9);
  o.lifetimes.ike_soft = Duration::s(14);
  o.lifetimes.ike_hard = Duration::s(20);
  o.lifetimes.jitter = Duration::s(2);
  IkePvtWorld x(o);
  ASSERT_NE(x.w, nullptr);
  x.start();
  x.w->run_for(Duration::s(3));
  Stream s;
  run_stream(x, s, Duration::s(40), Duration::ms(50));
  x.w->run_for(Duration::s(1));
  EXPECT_TRUE(all_delivered(x, s));
  EXPECT_EQ(x.w->ain(1).engine().ants().size(), 1u);
  EXPECT_GE(x.pvt(1, 2).generation, 5u);
  EXPECT_GE(x.pvt(2, 3).generation, 5u);
  EXPECT_GE(x.node(2).ike().counters().ike_rekeys, 4u);
  EXPECT_EQ(x.w->ain(2).count_events(core::EventKind::pvt_down), 0u);
  EXPECT_EQ(x.w->total_drops(), 0u);
}

// AIN 2 expects another key for AIN 1: IKE_AUTH fails, PVT 1-2 stays down,
// no ANT gets built through it, and no IKE or engine state is left.
TEST(IkePvt, WrongIdentityKeyLeavesThePvtDownAndNoState) {
  Options o;
  crypto::DeterministicRng r(99);
  o.wrong_key_for_1 = crypto::ed25519_generate(r).pub;
  IkePvtWorld x(o);
  ASSERT_NE(x.w, nullptr);
  const size_t engine_state_1 = x.w->ain(1).engine().state_size();
  x.start();
  x.w->run_for(Duration::s(3));
  EXPECT_TRUE(x.pvt(2, 3).up);  // the other PVT is fine
  EXPECT_FALSE(x.pvt(1, 2).up);
  EXPECT_FALSE(x.pvt(2, 1).up);
  EXPECT_EQ(x.pvt(1, 2).generation, 0u);
  EXPECT_EQ(x.pvt(2, 1).generation, 0u);
  EXPECT_EQ(x.node(2).ike().counters().error_sent(ike::NotifyType::authentication_failed), 1u);
  EXPECT_EQ(x.node(1).ike().list_ike_sas().size(), 0u);
  EXPECT_EQ(x.node(1).ike().state_counts().total(), 0u);
  // AIN 2 keeps only its IKE SA with AIN 3.
  EXPECT_EQ(x.node(2).ike().list_ike_sas().size(), 1u);

  Stream s;
  run_stream(x, s, Duration::s(1));
  x.w->run_for(Duration::s(12));  // the entrance gives up (setup attempts)
  EXPECT_EQ(x.w->customer(1).received.size(), 0u);
  EXPECT_EQ(x.w->ain(1).engine().ants().size(), 0u);
  EXPECT_EQ(x.w->ain(1).engine().state_size(), engine_state_1);
  EXPECT_EQ(x.w->ain(2).engine().ants().size(), 0u);
}

}  // namespace
}  // namespace ainet::sim
