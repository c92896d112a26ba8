// Golden trace: pins the engine's observable behaviour bit for bit. Each
// scenario runs a seeded simulation and hashes (SHA-256, crypto layer) every
// packet handed to the network, in order, with its bytes, time, link and
// class; and, separately, what the nodes saw and showed: events, exit-TUN
// deliveries, customer receptions, drop counters, and the ainctl views
// (ants, pvts, customers, TVT SAs with keys, stats, state counts) at
// checkpoints. A refactor (issue 12: the engine split by concern, one copy of
// each IPsec rule) must leave both digests unchanged.
//
// Changing behaviour on purpose (a new wire rule, traffic shaping, another
// random draw on the data path) changes the digests. Then, and only then:
//   1. cmake --build build --target sim_tests
//      build/sim_tests --gtest_filter='GoldenTrace*'
//   2. check that the failing scenarios are the ones your change should move
//      (a refactor must not move any; a change to the udp carrier should not
//      move an ip scenario, and so on),
//   3. copy the "actual" digests printed by each failure into kGolden below,
//   4. say in the commit message which scenarios moved and why.
// The digests depend only on the seed, the code and OpenSSL's deterministic
// algorithms (X25519, Ed25519, AES, HMAC): Release and sanitizer builds agree.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "crypto/hmac.h"
#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

// Serializes values into one byte string to hash; fixed-width little-endian
// numbers and length-prefixed byte strings, so two traces hash alike only if
// they are alike.
class TraceBytes {
 public:
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void time(Time t) { u64(static_cast<uint64_t>(t.ns)); }
  void bytes(ByteSpan b) {
    u64(b.size());
    buf_.insert(buf_.end(), b.begin(), b.end());
  }
  void str(const std::string& s) {
    bytes(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  void addr(const IpAddress& a) {
    u64(static_cast<uint64_t>(a.family()));
    bytes(a.bytes());
  }
  void tag(const char* t) { str(t); }
  std::string sha256_hex() const {
    std::array<uint8_t, crypto::kSha256Size> d{};
    EXPECT_EQ(crypto::sha256({ByteSpan(buf_)}, d), Errc::ok);
    return to_hex(d);
  }

 private:
  Bytes buf_;
};

// Everything the ainctl views of every live AIN show right now.
void snapshot_views(SimWorld& w, TraceBytes& t) {
  t.tag("views");
  t.time(w.now());
  for (NodeId id = 1; id <= w.size(); ++id) {
    SimAin& a = w.ain(id);
    if (a.crashed()) continue;
    const core::Engine& e = a.engine();
    t.u64(id);
    for (const core::AntInfo& i : e.ants()) {
      t.u64(i.handle);
      t.u64(static_cast<uint64_t>(i.role));
      t.u64(i.up);
      t.addr(i.inner_src);
      t.addr(i.inner_dst);
      t.u64(i.exit_src.has_value());
      if (i.exit_src) t.addr(*i.exit_src);
      t.u64(i.responder);
      t.u64(i.route.size());
      for (NodeId n : i.route) t.u64(n);
      for (uint64_t v :
           {uint64_t{i.prev}, uint64_t{i.next}, uint64_t{i.spi_in_fwd}, uint64_t{i.spi_out_fwd},
            uint64_t{i.spi_in_bwd}, uint64_t{i.spi_out_bwd}, i.packets_fwd, i.packets_bwd,
            i.bytes_fwd, i.bytes_bwd, i.datagram_bytes_fwd, i.datagram_bytes_bwd})
        t.u64(v);
      t.time(i.created);
      t.time(i.last_active);
    }
    for (const core::PvtInfo& p : e.pvts()) {
      t.u64(p.peer);
      t.addr(p.address);
      for (uint64_t v : {uint64_t{p.up}, p.packets_in, p.packets_out, p.drops, p.bytes_in,
                         p.bytes_out, uint64_t{p.ants}})
        t.u64(v);
      t.time(p.last_heard.value_or(Time{-1}));
    }
    for (const core::CustomerInfo& c : e.customers()) {
      t.u64(c.id);
      t.str(c.name);
      t.addr(c.tunnel_address);
      for (uint64_t v : {c.packets_in, c.packets_out, c.drops, uint64_t{c.ants}}) t.u64(v);
    }
    for (const core::TvtSaInfo& s : e.tvt_sas(true)) {
      for (uint64_t v : {s.ant, uint64_t{s.peer}, uint64_t{s.forward}, uint64_t{s.inbound},
                         uint64_t{s.spi}, uint64_t{static_cast<uint8_t>(s.carrier)}, s.seq})
        t.u64(v);
      t.addr(s.src);
      t.addr(s.dst);
      t.u64(s.key.has_value());
      if (s.key) t.bytes(s.key->span());
    }
    const core::EngineStats st = e.stats();
    for (uint64_t v :
         {st.packets_in, st.packets_out, st.delivered_local, st.ants_created, st.ants_destroyed,
          st.create_failures, st.source_mismatch, st.unknown_destroy, st.pending_dropped,
          st.unexpected_signal, st.dummy_cells, st.not_routable})
      t.u64(v);
    for (uint64_t d : st.drops) t.u64(d);
    const core::StateCounts sc = e.state_counts();
    for (size_t v : {sc.ants, sc.spis, sc.entrance_flows, sc.exit_flows, sc.pool_addresses,
                     sc.timers, sc.tvt_sas})
      t.u64(v);
    t.time(e.next_deadline());
  }
}

// The packet trace: every PacketRecord, in send order, with its bytes.
std::string packet_digest(const SimWorld& w) {
  TraceBytes t;
  for (const PacketRecord& r : w.net.records()) {
    t.time(r.sent);
    t.addr(r.from);
    t.addr(r.to);
    t.u64(static_cast<uint64_t>(r.cls));
    t.u64(r.spi);
    t.u64(r.length);
    t.u64(r.copies_delivered);
    t.u64(r.injected);
    t.bytes(r.bytes);
  }
  return t.sha256_hex();
}

// What the nodes received and reported, appended to the views snapshots.
std::string node_digest(SimWorld& w, TraceBytes& t) {
  t.tag("nodes");
  for (NodeId id = 1; id <= w.size(); ++id) {
    const SimAin& a = w.ain(id);
    t.u64(id);
    for (const TimedEvent& e : a.events) {
      t.time(e.at);
      for (uint64_t v : {uint64_t{static_cast<uint8_t>(e.event.kind)}, e.event.ant,
                         uint64_t{e.event.peer}, uint64_t{e.event.reason}})
        t.u64(v);
    }
    t.u64(a.local_count);
    for (const Bytes& d : a.local) t.bytes(d);
  }
  for (size_t i = 0; i < w.customer_count(); ++i) {
    const SimCustomer& c = w.customer(i);
    for (const Bytes& d : c.received) t.bytes(d);
    for (const Bytes& d : c.controls) t.bytes(d);
    for (uint64_t d : c.drops) t.u64(d);
  }
  return t.sha256_hex();
}

struct Digests {
  std::string packets, nodes;
  size_t records = 0;
};

uint64_t sum_stat(SimWorld& w, uint64_t core::EngineStats::*field) {
  uint64_t n = 0;
  for (NodeId id = 1; id <= w.size(); ++id)
    if (!w.ain(id).crashed()) n += w.ain(id).engine().stats().*field;
  return n;
}
size_t count_events(SimWorld& w, core::EventKind k) {
  size_t n = 0;
  for (NodeId id = 1; id <= w.size(); ++id) n += w.ain(id).count_events(k);
  return n;
}

// --- Scenario 1: set-up, data both ways (exit local delivery with pool
// rewrite, registered responder), key export, adversarial packets, DESTROY
// from the initiator, the entrance and the responder, SIGTERM shutdown.
Digests run_setup_data_teardown(core::Carrier carrier, bool v6) {
  WorldSpec spec = line_spec(3, carrier, 7001);
  spec.v6_outer = v6;
  auto w = make_world(spec);
  if (!w) return {};
  w->net.record_bytes = true;
  TraceBytes views;
  SimCustomer& init = w->customer(0);
  SimCustomer& resp = w->customer(1);
  SimAin& exit = w->ain(3);

  const Flow local{real_inner_address(0, v6), internet_host(v6), 40001, 53};
  for (uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(init.send_datagram(make_udp_datagram(local, sim_payload(1, i, 100 + 311 * i))),
              Errc::ok);
  w->run_for(Duration::s(1));
  EXPECT_EQ(exit.local.size(), 4u);
  answer_local(exit);
  w->run_for(Duration::s(1));
  EXPECT_EQ(init.received.size(), 4u);

  const Flow rflow{real_inner_address(0, v6), responder_host(v6), 40002, 80};
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(init.send_datagram(make_udp_datagram(rflow, sim_payload(2, i, 1000))), Errc::ok);
    w->run_for(Duration::ms(200));
    EXPECT_EQ(resp.send_datagram(make_udp_datagram(reversed(rflow), sim_payload(2, 100 + i, 700))),
              Errc::ok);
    w->run_for(Duration::ms(200));
  }
  EXPECT_EQ(resp.received.size(), 3u);
  EXPECT_EQ(init.received.size(), 7u);
  snapshot_views(*w, views);

  // Adversary on the first TVT and the PVT 1->2: replay, tamper, garbage.
  const IpAddress a1 = w->ain(1).address(), a2 = w->ain(2).address();
  for (PacketClass cls : {PacketClass::data, PacketClass::signaling}) {
    auto seen = packets_on(w->net, a1, a2, cls);
    EXPECT_FALSE(seen.empty());
    if (seen.empty()) continue;
    Bytes p = seen.back()->bytes;
    w->net.send(a1, a2, p, true);
    p[p.size() / 2] ^= 0x10;
    w->net.send(a1, a2, p, true);
  }
  w->net.send(a1, a2, Bytes(64, 0xa5), true);
  w->run_for(Duration::ms(200));

  // A third ANT (another inner destination), then teardowns by each party.
  const Flow local2{real_inner_address(0, v6),
                    IpAddress::parse(v6 ? "2001:db8:1::8" : "198.51.100.8").value(), 40003, 443};
  EXPECT_EQ(init.send_datagram(make_udp_datagram(local2, sim_payload(3, 0, 60))), Errc::ok);
  w->run_for(Duration::s(1));
  snapshot_views(*w, views);
  EXPECT_EQ(init.send_destroy(local.src, local.dst), Errc::ok);
  w->run_for(Duration::ms(500));
  EXPECT_EQ(resp.send_destroy(rflow.dst, rflow.src), Errc::ok);
  w->run_for(Duration::ms(500));
  snapshot_views(*w, views);
  w->ain(1).shutdown();
  w->run_for(Duration::s(2));
  snapshot_views(*w, views);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_TRUE(w->ain(id).engine().ants().empty());
  EXPECT_EQ(sum_stat(*w, &core::EngineStats::ants_destroyed), 9u);  // 3 ANTs x 3 AINs
  return {packet_digest(*w), node_digest(*w, views), w->net.records().size()};
}

// --- Scenario 2: hard expiry of a busy ANT and inactivity expiry of an idle
// one, each seen at every hop; the idle timer re-arms while traffic flows.
Digests run_expiry(core::Carrier carrier, bool v6) {
  WorldSpec spec = line_spec(3, carrier, 7002);
  spec.v6_outer = v6;
  spec.tweak = [](core::EngineConfig& c) {
    c.route_length = 3;
    c.ant_lifetime = Duration::s(12);
    c.inactivity_timeout = Duration::s(4);
  };
  auto w = make_world(spec);
  if (!w) return {};
  w->net.record_bytes = true;
  TraceBytes views;
  const Flow busy{real_inner_address(0, v6), responder_host(v6), 5000, 80};
  const Flow idle{real_inner_address(0, v6), internet_host(v6), 5001, 53};
  EXPECT_EQ(w->customer(0).send_datagram(make_udp_datagram(idle, sim_payload(5, 0, 90))), Errc::ok);
  for (uint32_t i = 0; i < 16; ++i) {
    SimCustomer& c = w->customer(i % 2);
    const Flow f = i % 2 ? reversed(busy) : busy;
    EXPECT_EQ(c.send_datagram(make_udp_datagram(f, sim_payload(4, i, 150 + i))), Errc::ok);
    w->run_for(Duration::s(1));
    if (i == 2) answer_local(w->ain(3));
    if (i == 8) snapshot_views(*w, views);
  }
  w->run_for(Duration::s(3));
  snapshot_views(*w, views);
  // Reasons (docs/protocol.md): 2 expired, 3 idle, at each of the three AINs.
  size_t expired = 0, idled = 0;
  for (NodeId id = 1; id <= 3; ++id)
    for (const TimedEvent& e : w->ain(id).events)
      if (e.event.kind == core::EventKind::ant_down) (e.event.reason == 2 ? expired : idled) += 1;
  EXPECT_EQ(expired, 3u);
  EXPECT_EQ(idled, 3u);
  return {packet_digest(*w), node_digest(*w, views), w->net.records().size()};
}

// --- Scenario 3: failures and retries on a diamond 1-2-4 / 1-3-4 (4 the only
// exit). A pinned route whose relay lost its next PVT gets CREATE_FAILED(no
// route) on every attempt and fails; a free route then avoids the failed
// relay; a crash of the relay in use takes the ANT down (link down) and
// set-up attempts time out until the cut link is back.
Digests run_failure_retry(core::Carrier carrier, bool v6) {
  WorldSpec s = diamond_spec(carrier, 7003);
  s.v6_outer = v6;
  auto w = make_world(s);
  if (!w) return {};
  w->net.record_bytes = true;
  TraceBytes views;
  const IpAddress a2 = w->ain(2).address(), a4 = w->ain(4).address();
  LinkConfig cut;
  cut.impairments.loss = 1.0;
  w->run_for(Duration::s(2));
  w->net.set_link(a2, a4, cut);
  w->net.set_link(a4, a2, cut);
  w->run_for(Duration::s(5));  // 2 and 4 both see their PVT down

  const NodeId pinned[] = {1, 2, 4};
  SimAin& entrance = w->ain(1);
  auto h = entrance.engine().create_ant(w->now(), 1, real_inner_address(0, v6), responder_host(v6),
                                        entrance, pinned);
  w->net.reschedule(&entrance);
  EXPECT_TRUE(h.ok());
  w->run_for(Duration::s(2));
  EXPECT_EQ(entrance.count_events(core::EventKind::ant_failed), 1u);
  snapshot_views(*w, views);

  const Flow f{real_inner_address(0, v6), responder_host(v6), 6000, 80};
  uint32_t seq = 0;
  EXPECT_EQ(w->customer(0).send_datagram(make_udp_datagram(f, sim_payload(6, seq++, 400))),
            Errc::ok);
  w->run_for(Duration::s(1));
  EXPECT_EQ(w->customer(1).received.size(), 1u);
  EXPECT_EQ(w->customer(1).send_datagram(make_udp_datagram(reversed(f), sim_payload(6, 99, 400))),
            Errc::ok);
  w->run_for(Duration::s(1));
  snapshot_views(*w, views);

  // The relay in use (3) crashes; the entrance keeps sending; attempts over 2
  // time out or fail until the 2-4 link returns.
  w->ain(3).crash();
  // Meanwhile a pinned ANT over the crashed relay: its CREATEs are lost, set-up
  // times out and is retried until the PVT to 3 is found down.
  const NodeId over3[] = {1, 3, 4};
  const IpAddress other = IpAddress::parse(v6 ? "2001:db8:cafe::9" : "203.0.113.9").value();
  EXPECT_TRUE(entrance.engine()
                  .create_ant(w->now(), 1, real_inner_address(0, v6), other, entrance, over3)
                  .ok());
  w->net.reschedule(&entrance);
  for (int i = 0; i < 24; ++i) {
    if (i == 14) {
      w->net.set_link(a2, a4, LinkConfig{});
      w->net.set_link(a4, a2, LinkConfig{});
    }
    EXPECT_EQ(w->customer(0).send_datagram(make_udp_datagram(f, sim_payload(6, seq++, 400))),
              Errc::ok);
    w->run_for(Duration::ms(500));
  }
  w->run_for(Duration::s(3));
  snapshot_views(*w, views);
  EXPECT_GE(count_events(*w, core::EventKind::pvt_down), 4u);
  EXPECT_GE(sum_stat(*w, &core::EngineStats::create_failures), 4u);
  EXPECT_GE(w->ain(1).count_events(core::EventKind::ant_down), 1u);
  EXPECT_GT(w->customer(1).received.size(), 1u);
  return {packet_digest(*w), node_digest(*w, views), w->net.records().size()};
}

struct Golden {
  const char* name;
  Digests (*run)(core::Carrier, bool);
  core::Carrier carrier;
  bool v6;  // inner datagrams and outer (AIN, customer) addresses
  const char* packets;
  const char* nodes;
};

// Update only as described at the top of this file.
const Golden kGolden[] = {
    {"setup_data_teardown_ip_v4", run_setup_data_teardown, core::Carrier::ip, false,
     "43287bbbd2755a86f7b3cd0de29b90d5b6f28d2669ce36551a6d18ca0cccae7b",
     "54b79bc8e763d9fa3bf9d8ee7c1563c02142d04c7f069f1881fc6d4110dc2cdf"},
    {"setup_data_teardown_udp_v6", run_setup_data_teardown, core::Carrier::udp, true,
     "5745e1c94eb7d49dd70a849b7c4fbbb8e3a4fea467052097cc661c6706c025c3",
     "1dd316f6ee4b016e2e29b278b538923d4f09bf682054d62d321151950916cb1b"},
    {"expiry_ip_v6", run_expiry, core::Carrier::ip, true,
     "3660af0de4c2662614bc930a1ea6ece5df0a540115abda58557923fbfa389c4a",
     "3bd7966ad39cd8cfda6ab21c92189e9e1f59b2052cb7607c3edec4c08494d4cd"},
    {"expiry_udp_v4", run_expiry, core::Carrier::udp, false,
     "ad7a1e06d2a54d6c636c5bd5831286594aede1e84a40e77a31960d9b7ebdaca4",
     "1a7f9207ab3cbe677b76bb466449e2db1fc54d433e3acfcf0ef54e7449bd12bf"},
    {"failure_retry_ip_v4", run_failure_retry, core::Carrier::ip, false,
     "b7d1dde2617b55103cffdea22e20b7ccfc9a236ecffa34be4c8c15fd15ebb657",
     "e7e848d5f760886d8c9acd2ee274a91f9b51a4537b9b88e52aa15581bca38e47"},
    {"failure_retry_udp_v6", run_failure_retry, core::Carrier::udp, true,
     "bdb69960fe4f8181587b6d0aced200469296070170177f9e507039ccebd9ded9",
     "b09fd1f33950933c08d146ef41c9d522ebe18f071f6a62b0397386874b7c9f83"},
};

void PrintTo(const Golden& g, std::ostream* os) {
  *os << g.name;
}

class GoldenTrace : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenTrace, DigestIsUnchanged) {
  const Golden& g = GetParam();
  const Digests d = g.run(g.carrier, g.v6);
  ASSERT_GT(d.records, 0u);
  EXPECT_EQ(d.packets, g.packets) << g.name << ": packet trace of " << d.records
                                  << " packets changed (see the top of golden_trace_test.cc)";
  EXPECT_EQ(d.nodes, g.nodes) << g.name
                              << ": events/deliveries/views changed (see golden_trace_test.cc)";
}

// The digest is a function of the run: the same scenario twice gives the same
// digest (else a golden value could not pin anything).
TEST(GoldenTraceControl, SameRunSameDigestAnotherCarrierAnother) {
  const Digests a = run_expiry(core::Carrier::ip, false);
  const Digests b = run_expiry(core::Carrier::ip, false);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_EQ(a.nodes, b.nodes);
  const Digests c = run_expiry(core::Carrier::udp, false);
  EXPECT_NE(a.packets, c.packets);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenTrace, ::testing::ValuesIn(kGolden),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ainet::sim
