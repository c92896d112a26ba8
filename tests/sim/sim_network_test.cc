// Tests of the simulation harness itself: the virtual clock, seeded
// impairments and determinism, independent of the engine.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/sim_datagram.h"
#include "sim/sim_network.h"

namespace ainet::sim {
namespace {

class Sink final : public Endpoint {
 public:
  void receive(Time now, const IpAddress& src, ByteSpan packet) override {
    got.push_back({now, src, Bytes(packet.begin(), packet.end())});
  }
  struct Got {
    Time at;
    IpAddress src;
    Bytes bytes;
  };
  std::vector<Got> got;
};

// Fires at the given times, counts firings.
class Ticker final : public Endpoint {
 public:
  void receive(Time, const IpAddress&, ByteSpan) override {}
  Time next_deadline() const override { return next; }
  void on_timer(Time now) override {
    fired.push_back(now);
    next = fired.size() < 3 ? now + Duration::s(1) : Time::max();
  }
  Time next = Time::from_s(1);
  std::vector<Time> fired;
};

const IpAddress kA = IpAddress::v4(0x0A000001);
const IpAddress kB = IpAddress::v4(0x0A000002);

Bytes numbered(uint32_t i) {
  Bytes b(8);
  store_be32(b.data(), i);
  return b;
}

TEST(SimNetwork, RateLimitedLinkSerialisesAndTailDrops) {
  SimNetwork net(1);
  Sink b;
  net.attach(kB, &b);
  LinkConfig c;
  c.latency = Duration::ms(1);
  c.rate_bps = 8'000'000;             // 1 byte per microsecond
  c.queue_limit = Duration::ms(3);    // 3 packets of 1000 bytes may wait
  net.set_link(kA, kB, c);
  const Bytes kilo(1000, 0xab);
  for (int i = 0; i < 6; ++i) net.send(kA, kB, kilo);
  net.run_until(Time::from_s(1));
  // Departures at 1, 2, 3, 4 ms (the 4th waited exactly 3 ms); 5 and 6 dropped.
  ASSERT_EQ(b.got.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(b.got[i].at, Time::from_ms(static_cast<int64_t>(i) + 2));
  EXPECT_EQ(net.counters(kA, kB).queue_dropped, 2u);
  EXPECT_EQ(net.records()[3].departed, Time::from_ms(4));
  // The other direction is not rate-limited: no queueing there.
  Sink a;
  net.attach(kA, &a);
  for (int i = 0; i < 6; ++i) net.send(kB, kA, kilo);
  net.run_for(Duration::ms(5));
  EXPECT_EQ(a.got.size(), 6u);
}

TEST(SimNetwork, DeliversAfterLatencyInOrder) {
  SimNetwork net(1);
  Sink b;
  net.attach(kB, &b);
  net.set_default_link({Duration::ms(7), {}});
  for (uint32_t i = 0; i < 5; ++i) net.send(kA, kB, numbered(i));
  net.run_until(Time::from_ms(6));
  EXPECT_TRUE(b.got.empty());
  net.run_until(Time::from_ms(7));
  ASSERT_EQ(b.got.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(load_be32(b.got[i].bytes.data()), i);
    EXPECT_EQ(b.got[i].at, Time::from_ms(7));
    EXPECT_EQ(b.got[i].src, kA);
  }
}

TEST(SimNetwork, TimersFireAtDeadlines) {
  SimNetwork net(1);
  Ticker t;
  net.attach(kA, &t);
  net.run_until(Time::from_s(10));
  ASSERT_EQ(t.fired.size(), 3u);
  EXPECT_EQ(t.fired[0], Time::from_s(1));
  EXPECT_EQ(t.fired[2], Time::from_s(3));
  EXPECT_EQ(net.now(), Time::from_s(10));
}

TEST(SimNetwork, LossRateMatchesConfiguration) {
  SimNetwork net(7);
  Sink b;
  net.attach(kB, &b);
  net.set_link(kA, kB, {Duration::ms(1), {.loss = 0.2}});
  const int n = 20000;
  for (int i = 0; i < n; ++i) net.send(kA, kB, numbered(static_cast<uint32_t>(i)));
  net.run_for(Duration::s(1));
  const double frac = static_cast<double>(b.got.size()) / n;
  EXPECT_NEAR(frac, 0.8, 0.015);
  EXPECT_EQ(net.counters(kA, kB).total_lost() + b.got.size(), static_cast<uint64_t>(n));
}

TEST(SimNetwork, DuplicationAndReorderingAreCounted) {
  SimNetwork net(9);
  Sink b;
  net.attach(kB, &b);
  net.set_link(kA, kB, {Duration::ms(1), {.duplicate = 0.1, .reorder = 0.1}});
  const int n = 5000;
  for (int i = 0; i < n; ++i) net.send(kA, kB, numbered(static_cast<uint32_t>(i)));
  net.run_for(Duration::s(1));
  const auto& c = net.counters(kA, kB);
  EXPECT_EQ(b.got.size(), n + c.total_duplicated());
  EXPECT_GT(c.total_duplicated(), 400u);
  EXPECT_LT(c.total_duplicated(), 600u);
  EXPECT_GT(c.reordered, 400u);
}

TEST(SimNetwork, DownNodeIsBlackholed) {
  SimNetwork net(3);
  Sink b;
  net.attach(kB, &b);
  net.send(kA, kB, numbered(1));
  net.set_down(kB, true);  // goes down while the packet is in flight
  net.send(kA, kB, numbered(2));
  net.run_for(Duration::s(1));
  EXPECT_TRUE(b.got.empty());
  EXPECT_EQ(net.counters(kA, kB).blackholed, 2u);
  net.set_down(kB, false);
  net.send(kA, kB, numbered(3));
  net.run_for(Duration::s(1));
  EXPECT_EQ(b.got.size(), 1u);
}

// The same seed gives the same run; a different seed a different one.
std::vector<uint32_t> run_lossy(uint64_t seed) {
  SimNetwork net(seed);
  Sink b;
  net.attach(kB, &b);
  net.set_link(kA, kB, {Duration::ms(1), {.loss = 0.3, .duplicate = 0.1, .reorder = 0.2}});
  for (uint32_t i = 0; i < 500; ++i) net.send(kA, kB, numbered(i));
  net.run_for(Duration::s(1));
  std::vector<uint32_t> order;
  for (const auto& g : b.got) order.push_back(load_be32(g.bytes.data()));
  return order;
}

TEST(SimNetwork, DeterministicForASeed) {
  EXPECT_EQ(run_lossy(42), run_lossy(42));
  EXPECT_NE(run_lossy(42), run_lossy(43));
}

TEST(SimDatagram, BuildsParsableUdpDatagramsBothFamilies) {
  for (bool v6 : {false, true}) {
    Flow f;
    if (v6) {
      f.src = *IpAddress::parse("fd01::5");
      f.dst = *IpAddress::parse("2001:db8::9");
    } else {
      f.src = *IpAddress::parse("192.168.1.5");
      f.dst = *IpAddress::parse("198.51.100.9");
    }
    Bytes p = make_udp_datagram(f, sim_payload(77, 3, 100));
    auto id = identify(p);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(id->src, f.src);
    EXPECT_EQ(id->dst, f.dst);
    EXPECT_EQ(id->tag, 77u);
    EXPECT_EQ(id->seq, 3u);
    ByteSpan udp = ByteSpan(p).subspan(v6 ? 40 : 20);
    EXPECT_EQ(wire::verify_udp_checksum(f.src, f.dst, udp), Errc::ok);
  }
}

}  // namespace
}  // namespace ainet::sim
