// Traffic shaping on the wire (paper §5.4; docs/protocol.md "Shaping").
// Everything asserted here is computed from the packets the simulated
// network carried (lengths, headers, SPIs, sequence numbers, departure
// times), never from engine internals: what an observer of the links sees.
//
// Method: a shaped ANT carries real traffic for a while, then nothing; the
// statistics of the busy period and of the idle period (all dummies) must
// be the same on every link. An observer who cannot tell a busy period from
// an idle one cannot tell a real cell from a dummy either.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/onion.h"
#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

constexpr uint32_t kRate = 200;  // cells/s: one every 5 ms
const Time kBusyFrom = Time::from_s(3), kBusyTo = Time::from_s(8), kEnd = Time::from_s(13);

// What an observer can read off one packet of a TVT or customer tunnel.
struct Seen {
  Time at;
  size_t length;
  uint32_t spi;
  uint32_t seq;      // low 32 bits on the wire (RFC 4302 §2.5 / RFC 4303 §2.2)
  Bytes signature;   // the header bytes that are not per-packet (see header_signature)
};

// IP header fields that are the same for every packet of a TVT (version,
// TOS, length, flags, TTL, protocol; IPv6 flow label and hop limit) and the
// AH fields before the SPI; the per-packet IPv4 ID and checksum are left
// out (random / derived). udp carrier: the ESP starts the UDP payload, so
// there is no header to compare beyond the length.
Bytes header_signature(ByteSpan pkt, core::Carrier carrier) {
  if (carrier == core::Carrier::udp) return {};
  Bytes sig;
  if ((pkt[0] >> 4) == 4) {
    const size_t keep[] = {0, 1, 2, 3, 6, 7, 8, 9};
    for (size_t i : keep) sig.push_back(pkt[i]);
  } else {
    sig.assign(pkt.begin(), pkt.begin() + 8);  // version, class, flow label, length, nh, hops
  }
  const size_t ah = (pkt[0] >> 4) == 4 ? size_t{20} : size_t{40};
  sig.insert(sig.end(), pkt.begin() + static_cast<long>(ah), pkt.begin() + static_cast<long>(ah) + 4);
  return sig;
}

Seen observe(const PacketRecord& r, core::Carrier carrier) {
  ByteSpan p = r.bytes;
  ByteSpan ipsec = ipsec_part(p, carrier);
  // AH: next header, length, reserved, SPI, seq; ESP: SPI, seq.
  const size_t off = carrier == core::Carrier::ip ? 4 : 0;
  return {r.departed, r.length, load_be32(&ipsec[off]), load_be32(&ipsec[off + 4]),
          header_signature(p, carrier)};
}

// Per SPI, in departure order, for one class on one link.
std::map<uint32_t, std::vector<Seen>> by_spi(const SimNetwork& net, const IpAddress& from,
                                             const IpAddress& to, PacketClass cls,
                                             core::Carrier carrier) {
  std::map<uint32_t, std::vector<Seen>> out;
  for (const PacketRecord* r : packets_on(net, from, to, cls)) {
    Seen s = observe(*r, carrier);
    out[s.spi].push_back(std::move(s));
  }
  return out;
}

struct Gaps {
  std::vector<double> busy, idle;  // inter-departure times in ms
};
// Inter-departure gaps of one flow of packets, split by where the later
// packet of each pair left; the first second after a phase change is left
// out so queues built in one phase do not count for the other.
Gaps gaps_of(const std::vector<Seen>& v) {
  Gaps g;
  for (size_t i = 1; i < v.size(); ++i) {
    const Time t = v[i].at;
    const double ms = static_cast<double>((v[i].at - v[i - 1].at).ns) / 1e6;
    if (t > kBusyFrom + Duration::s(1) && t < kBusyTo) g.busy.push_back(ms);
    if (t > kBusyTo + Duration::s(1) && t < kEnd) g.idle.push_back(ms);
  }
  return g;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}
double stddev(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() < 2 ? 0 : std::sqrt(s / static_cast<double>(v.size() - 1));
}

struct Param {
  core::Carrier carrier;
  bool adaptive;
};

class Shaping : public ::testing::TestWithParam<Param> {};

core::ShapingProfile profile(bool adaptive) {
  if (!adaptive) return core::ShapingProfile::make_constant(kRate);
  const uint32_t levels[] = {50, kRate};
  return core::ShapingProfile::make_adaptive(levels, Duration::s(2)).value();
}

std::unique_ptr<SimWorld> shaped_world(core::Carrier carrier, bool adaptive, uint64_t seed,
                                       bool customer_shaped = true) {
  WorldSpec spec = line_spec(3, carrier, seed);
  const core::ShapingProfile p = profile(adaptive);
  auto base = spec.tweak;
  spec.tweak = [base, p](core::EngineConfig& c) {
    base(c);
    c.shaping.ant = p;
    c.shaping.customer = p;
    c.shaping.pad_customer = true;
  };
  if (customer_shaped) spec.customer_tunnel.shaping = p;
  spec.customer_tunnel.pad_to = core::max_cell_datagram(core::kDefaultCellSize);
  spec.customer_tunnel.queue = 64;
  return make_world(spec);
}

// Busy period: bursts of datagrams of varied sizes, each answered by the
// exit's Internet host; within the shaped rate on average, bursty in time.
void run_traffic(SimWorld& w, const Flow& flow, size_t* sent, size_t* answered) {
  SimCustomer& init = w.customer(0);
  SimAin& exit = w.ain(3);
  uint32_t seq = 0;
  size_t answered_upto = 0;
  while (w.now() < kEnd) {
    const Time t = w.now();
    if (t >= kBusyFrom && t < kBusyTo && (t.ns / 1'000'000) % 250 == 0) {
      for (int i = 0; i < 12; ++i) {
        const size_t size = 60 + (seq * 397) % 1200;
        if (init.send_datagram(make_udp_datagram(flow, sim_payload(1, seq++, size))) == Errc::ok)
          ++*sent;
      }
    }
    answered_upto += answer_local(exit, answered_upto);
    w.run_for(Duration::ms(1));
  }
  *answered = answered_upto;
}

TEST_P(Shaping, EveryLinkOneLengthAndDummiesCannotBeToldFromData) {
  const auto [carrier, adaptive] = GetParam();
  auto w = shaped_world(carrier, adaptive, 4242);
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  const Flow flow{real_inner_address(0, false), internet_host(false), 40001, 53};
  w->run_for(Duration{kBusyFrom.ns - 500'000'000});
  // The ANT is built on the first datagram; start it a little early.
  ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(flow, sim_payload(1, 99999, 80))),
            Errc::ok);
  size_t sent = 0, answered = 0;
  run_traffic(*w, flow, &sent, &answered);
  ASSERT_GT(sent, 100u);
  EXPECT_GE(answered, sent * 95 / 100) << "the shaped ANT must still carry the traffic";
  EXPECT_GE(w->customer(0).received.size(), answered * 95 / 100);

  const IpAddress a1 = w->ain(1).address(), a2 = w->ain(2).address(), a3 = w->ain(3).address();
  const IpAddress c0 = w->customer(0).address(), c1 = w->customer(1).address();
  // 1. One length per link, whatever the class (signaling, data) or phase.
  const std::pair<IpAddress, IpAddress> links[] = {{a1, a2}, {a2, a1}, {a2, a3}, {a3, a2},
                                                   {c0, a1}, {a1, c0}, {c1, a3}, {a3, c1}};
  std::set<size_t> inter_ain_lengths;
  for (const auto& [from, to] : links) {
    std::set<size_t> lengths;
    size_t n = 0;
    for (const auto& r : w->net.records())
      if (r.from == from && r.to == to && !r.injected) lengths.insert(r.length), ++n;
    ASSERT_GT(n, 100u) << from.to_string() << " -> " << to.to_string();
    EXPECT_EQ(lengths.size(), 1u) << from.to_string() << " -> " << to.to_string();
    if (from != c0 && to != c0 && from != c1 && to != c1) inter_ain_lengths.insert(*lengths.begin());
  }
  EXPECT_EQ(inter_ain_lengths.size(), 1u) << "signaling and data cells differ in length";

  // 2.-4. Per TVT (and per customer tunnel SA): no sequence gap, one header
  // signature, and the same timing in the busy and the idle period.
  struct Check {
    IpAddress from, to;
    PacketClass cls;
  };
  const Check checks[] = {{a1, a2, PacketClass::data},     {a2, a3, PacketClass::data},
                          {a3, a2, PacketClass::data},     {a2, a1, PacketClass::data},
                          {c0, a1, PacketClass::customer}, {a1, c0, PacketClass::customer}};
  for (const Check& c : checks) {
    auto flows = by_spi(w->net, c.from, c.to, c.cls, carrier);
    const std::string where = c.from.to_string() + " -> " + c.to.to_string();
    ASSERT_EQ(flows.size(), 1u) << where << ": one SPI for the ANT / customer tunnel";
    const std::vector<Seen>& v = flows.begin()->second;
    std::set<Bytes> sigs;
    for (size_t i = 0; i < v.size(); ++i) {
      sigs.insert(v[i].signature);
      if (i > 0) {
        ASSERT_EQ(v[i].seq, v[i - 1].seq + 1) << where << ": sequence gap at packet " << i;
      }
    }
    EXPECT_EQ(sigs.size(), 1u) << where << ": header fields vary";
    const Gaps g = gaps_of(v);
    ASSERT_GT(g.busy.size(), 100u) << where;
    ASSERT_GT(g.idle.size(), 20u) << where;
    const double period = 1000.0 / kRate;
    if (!adaptive) {
      // Constant: the same period busy or idle, and no jitter to speak of
      // (the simulated links add none).
      EXPECT_NEAR(mean(g.busy), period, period * 0.01) << where;
      EXPECT_NEAR(mean(g.idle), period, period * 0.01) << where;
      EXPECT_LT(stddev(g.busy), period * 0.05) << where;
      EXPECT_LT(stddev(g.idle), period * 0.05) << where;
    } else {
      // Adaptive: the period is one of the levels' in both phases.
      for (double x : g.busy) EXPECT_TRUE(std::abs(x - 5.0) < 0.1 || std::abs(x - 20.0) < 0.1) << where << " " << x;
      for (double x : g.idle) EXPECT_TRUE(std::abs(x - 5.0) < 0.1 || std::abs(x - 20.0) < 0.1) << where << " " << x;
    }
  }
  EXPECT_EQ(w->total_drops(), 0u);
}

TEST_P(Shaping, AdaptiveRateMovesOnlyAtIntervalBoundaries) {
  const auto [carrier, adaptive] = GetParam();
  if (!adaptive) GTEST_SKIP() << "adaptive profile only";
  auto w = shaped_world(carrier, true, 77);
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  const Flow flow{real_inner_address(0, false), internet_host(false), 40001, 53};
  w->run_for(Duration{kBusyFrom.ns - 500'000'000});
  ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(flow, sim_payload(1, 99999, 80))),
            Errc::ok);
  size_t sent = 0, answered = 0;
  run_traffic(*w, flow, &sent, &answered);
  // The entrance's forward TVT, seen on the first link.
  auto flows = by_spi(w->net, w->ain(1).address(), w->ain(2).address(), PacketClass::data, carrier);
  ASSERT_EQ(flows.size(), 1u);
  const std::vector<Seen>& v = flows.begin()->second;
  ASSERT_GT(v.size(), 200u);
  // Where the gap changes from one level to the other: at most one gap
  // later than a multiple of the 2 s interval after the first cell (the
  // first slot after the boundary), never elsewhere.
  const Time start = v.front().at;
  int changes = 0;
  bool fast = false, slow = false;
  for (size_t i = 2; i < v.size(); ++i) {
    const int64_t g1 = (v[i - 1].at - v[i - 2].at).ns, g2 = (v[i].at - v[i - 1].at).ns;
    fast = fast || g2 < 6'000'000;
    slow = slow || g2 > 19'000'000;
    if (std::llabs(g1 - g2) < 1'000'000) continue;
    ++changes;
    // Boundaries count from the entrance's ANT start; its first cell left up
    // to one slow period (20 ms) later, so a change shows within a period
    // either side of a multiple of the interval counted from that cell.
    const int64_t since = (v[i - 1].at - start).ns % Duration::s(2).ns;
    const int64_t off = std::min(since, Duration::s(2).ns - since);
    EXPECT_LE(off, 21'000'000) << "rate changed " << since / 1e6 << " ms after a boundary";
  }
  EXPECT_GE(changes, 2) << "the level should rise with the traffic and fall after it";
  EXPECT_TRUE(fast && slow);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Shaping,
                         ::testing::Values(Param{core::Carrier::ip, false},
                                           Param{core::Carrier::udp, false},
                                           Param{core::Carrier::ip, true},
                                           Param{core::Carrier::udp, true}),
                         [](const auto& p) {
                           return std::string(p.param.carrier == core::Carrier::ip ? "ip" : "udp") +
                                  (p.param.adaptive ? "_adaptive" : "_constant");
                         });

TEST(ShapingQueue, OverflowIsDroppedAndCountedAndTheRateHolds) {
  auto w = shaped_world(core::Carrier::ip, false, 9);
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  const Flow flow{real_inner_address(0, false), internet_host(false), 40001, 53};
  ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(flow, sim_payload(1, 0, 80))), Errc::ok);
  w->run_for(Duration::s(1));
  // The exit's Internet host answers with a burst far beyond the queue.
  SimAin& exit = w->ain(3);
  ASSERT_EQ(exit.local.size(), 1u);
  const IpAddress pool = identify(exit.local[0])->src;
  const Flow back{internet_host(false), pool, 53, 40001};
  for (uint32_t i = 0; i < 300; ++i) exit.local_reply(make_udp_datagram(back, sim_payload(1, i, 500)));
  const core::AntInfo at_exit = only_ant(exit);
  EXPECT_EQ(at_exit.queued, 64u);
  EXPECT_EQ(at_exit.queue_drops, 300u - 64u);
  EXPECT_EQ(exit.engine().stats().queue_drops, 300u - 64u);
  w->net.clear_records();
  w->run_for(Duration::s(2));
  // Backward cells left at the shaped rate throughout (no burst).
  auto flows = by_spi(w->net, w->ain(3).address(), w->ain(2).address(), PacketClass::data,
                      core::Carrier::ip);
  ASSERT_EQ(flows.size(), 1u);
  const auto& v = flows.begin()->second;
  EXPECT_NEAR(static_cast<double>(v.size()), 2.0 * kRate, 2.0);
  EXPECT_EQ(only_ant(exit).cells_real, 64u);
}

TEST(ShapingState, TeardownRemovesEveryShapingSlotAndQueuedDatagram) {
  // The customer sends unshaped, faster than the ANT's rate: its datagrams
  // queue at the entrance.
  auto w = shaped_world(core::Carrier::udp, false, 5, false);
  ASSERT_NE(w, nullptr);
  const std::vector<size_t> baseline = state_sizes(*w);
  const Flow flow{real_inner_address(0, false), internet_host(false), 40001, 53};
  ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(flow, sim_payload(1, 0, 900))), Errc::ok);
  w->run_for(Duration::ms(500));  // the ANT is up
  for (uint32_t i = 1; i < 40; ++i)
    ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(flow, sim_payload(1, i, 900))), Errc::ok);
  w->run_for(Duration::ms(50));
  ASSERT_EQ(w->ain(1).engine().ants().size(), 1u);
  EXPECT_GT(w->ain(1).engine().state_counts().queued, 0u) << "datagrams should be waiting";
  w->ain(1).destroy_ant(w->ain(1).engine().ants().front().handle);
  w->run_for(Duration::s(1));
  EXPECT_EQ(state_sizes(*w), baseline);
}

TEST(ShapingCover, IdleLinksCarryCoverAntsThatLookLikeOthers) {
  WorldSpec spec = line_spec(3, core::Carrier::ip, 31);
  auto base = spec.tweak;
  spec.tweak = [base](core::EngineConfig& c) {
    base(c);
    c.shaping.ant = core::ShapingProfile::make_constant(100);
    c.shaping.cover_ants = 2;
    c.inactivity_timeout = Duration::s(6);
  };
  auto w = make_world(spec);
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  w->run_for(Duration::s(20));  // no customer sends anything
  const IpAddress a1 = w->ain(1).address(), a2 = w->ain(2).address(), a3 = w->ain(3).address();
  // Both links, both directions: TVT cells from several ANTs at 100/s each.
  for (const auto& [from, to] : {std::pair{a1, a2}, {a2, a1}, {a2, a3}, {a3, a2}}) {
    auto flows = by_spi(w->net, from, to, PacketClass::data, core::Carrier::ip);
    EXPECT_GE(flows.size(), 2u) << from.to_string() << " -> " << to.to_string();
    size_t late = 0;
    for (const auto& [spi, v] : flows)
      for (const Seen& s : v) late += s.at > Time::from_s(10);
    // Cover ANTs die when idle (6 s) and are replaced: the link is never empty.
    EXPECT_GT(late, 10u * 100u) << from.to_string() << " -> " << to.to_string();
  }
  // Only the entrance knows: intermediates see ANTs like any other.
  EXPECT_GE(w->ain(1).engine().stats().cover_ants_built, 4u);
  for (const auto& i : w->ain(2).engine().ants()) EXPECT_FALSE(i.cover);
  // Replacing an idle ANT races as for any ANT: both ends' idle timers send
  // DESTROY (the later one finds nothing: not_found), and cells already in
  // flight meet a forgotten SPI (unknown_spi). Nothing else may be dropped.
  for (NodeId id = 1; id <= 3; ++id) {
    const auto st = w->ain(id).engine().stats();
    for (size_t e = 0; e < st.drops.size(); ++e) {
      const auto why = static_cast<Errc>(e);
      if (why != Errc::unknown_spi && why != Errc::not_found) {
        EXPECT_EQ(st.drops[e], 0u) << "AIN " << id << ": " << to_string(why);
      }
    }
  }
}

}  // namespace
}  // namespace ainet::sim
