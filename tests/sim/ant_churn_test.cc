// Issue 10, "Under load, nothing breaks": a churn of ANT set-ups and
// teardowns at one AIN. Waves of `kWave` ANTs come up (`kBatch` at a time) through a line
// of three AINs (AIN 2 is the AIN under test, and AINs 1 and 3 see every ANT
// too), then all of them go, a third each way: the initiator's DESTROY,
// the intermediate AIN's own destroy, and the inactivity expiry. After every
// wave each engine's tables (ANTs, SPI map, entrance and exit flow indexes,
// exit-pool addresses, timers, TVT SAs, shaping slots, queued cells, live
// ANTs by role) are back to their baseline, and the process RSS
// (/proc/self/statm) and malloc's bytes in use after a wave are not above
// their values after the first wave plus a fixed slack (kRssSlack,
// kHeapSlack, below).
//
// Count: AINET_CHURN_ANTS (a multiple of kWave; default 30,000, or 10,000
// under ASan/UBSan). Measured on this 2-core machine: 7 s of CPU per wave in
// RelWithDebInfo (30,000: 21 s; 100,000: 73 s), 12 s for the one wave under
// ASan, where RSS reaches 757 MiB with 10,000 live ANTs (shadow memory and
// quarantine): one wave there. scripts/churn.sh runs the full 100,000 in a
// RelWithDebInfo build. Under ASan the RSS and malloc checks are skipped
// (said in the output): ASan's quarantine holds freed memory back on
// purpose and its allocator is not glibc's; the table checks still run.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "sim/sim_scenario.h"

#if defined(__SANITIZE_ADDRESS__)
#define AINET_CHURN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AINET_CHURN_ASAN 1
#endif
#endif
#ifndef AINET_CHURN_ASAN
#define AINET_CHURN_ASAN 0
#endif

namespace ainet::sim {
namespace {

constexpr size_t kWave = 10'000;             // live ANTs at once
constexpr size_t kBatch = 1'000;             // set-ups started together
constexpr Duration kIdle = Duration::s(20);  // inactivity timeout
// Slack after the first wave, for RSS and for malloc's bytes in use.
// RSS is read twice a wave: with its ANTs all up (the peak an operator
// provisions for) and after they are gone. The tables' own arrays (hash-map
// buckets, the timer heap, the network's event queue) reach their size in
// the first wave and keep it, but glibc keeps freed pages resident in its
// arena (malloc_trim, called before the second reading, hands back only
// whole free pages), so where the surviving chunks land moves RSS between
// waves while the bytes in use stay equal to the KiB. Set-ups start
// kBatch at a time: a whole wave in one instant also parked kWave cells in
// the simulated links, whose freed blocks moved RSS by 4-6 MiB between
// waves (with ANTs up 76.2, 80.3, 80.0 MiB; after 41.3, 38.7, 42.2 MiB).
// Measured in batches (30,000 ANTs, RelWithDebInfo): with ANTs up 61.6,
// 62.8, 63.3 MiB; after 25.0, 25.9, 24.7 MiB. Neither reading may grow by
// more than 4 MiB over wave 1's; growth that accumulates (a leak outside
// malloc, OpenSSL's own arenas) raises both. The bytes-in-use check is the sharp one: 256 KiB over the 90,000
// ANTs after the first wave of the full run is 3 bytes per ANT (13 B per ANT
// at the CI count of 30,000); RSS then catches what mallinfo does not see
// (mmap outside malloc, OpenSSL's own arenas).
constexpr size_t kRssSlack = size_t{4} << 20;
constexpr size_t kHeapSlack = size_t{256} << 10;

size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t churn_count() {
  if (const char* e = std::getenv("AINET_CHURN_ANTS")) {
    const size_t n = std::strtoull(e, nullptr, 10);
    if (n >= kWave) return n / kWave * kWave;
  }
  return AINET_CHURN_ASAN ? kWave : 3 * kWave;
}

struct Snapshot {
  core::StateCounts counts;
  std::array<size_t, 3> by_role{};
  bool operator==(const Snapshot&) const = default;
};

std::string describe(const Snapshot& s) {
  const core::StateCounts& c = s.counts;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "ants=%zu spis=%zu entrance_flows=%zu exit_flows=%zu pool=%zu timers=%zu "
                "tvt_sas=%zu shaped=%zu queued=%zu roles=%zu/%zu/%zu",
                c.ants, c.spis, c.entrance_flows, c.exit_flows, c.pool_addresses, c.timers,
                c.tvt_sas, c.shaped_flows, c.queued, s.by_role[0], s.by_role[1], s.by_role[2]);
  return buf;
}

std::vector<Snapshot> snapshot(SimWorld& w) {
  std::vector<Snapshot> v;
  for (NodeId id = 1; id <= w.size(); ++id) {
    const core::Engine& e = w.ain(id).engine();
    v.push_back({e.state_counts(), e.stats().ants_by_role});
  }
  return v;
}

// The harness's own records grow with every packet and event; they are not
// engine state, so they are emptied (and their memory released) each wave.
void drop_harness_records(SimWorld& w) {
  for (NodeId id = 1; id <= w.size(); ++id) std::vector<TimedEvent>().swap(w.ain(id).events);
  for (size_t c = 0; c < w.customer_count(); ++c) {
    std::vector<Bytes>().swap(w.customer(c).received);
    std::vector<Time>().swap(w.customer(c).received_at);
    std::vector<Bytes>().swap(w.customer(c).controls);
  }
}

TEST(AntChurn, TablesBackToBaselineAndRssFlatAfterTheFirstWave) {
  const size_t total = churn_count();
  WorldSpec spec = line_spec(3, core::Carrier::ip, 1010);
  // Destinations are Internet hosts (local delivery at the exit): each ANT
  // takes one exit-pool address, so the pool is a /12 instead of a /20.
  spec.tweak = [](core::EngineConfig& c) {
    c.route_length = 3;
    c.pending_queue = 1;
    c.inactivity_timeout = kIdle;
    c.ant_lifetime = Duration::s(3600);
    c.exit_pool = {prefix("100.64.0.0/12")};
  };
  auto wp = make_world(spec);
  ASSERT_NE(wp, nullptr);
  SimWorld& w = *wp;
  w.net.record_packets = false;
  for (NodeId id = 1; id <= w.size(); ++id) w.ain(id).keep_local = false;
  w.run_for(Duration::s(1));  // first keepalives
  const std::vector<Snapshot> baseline = snapshot(w);
  const IpAddress src = real_inner_address(0, false);

  // Datagrams built once and reused by every wave (wave k uses destinations
  // 198.0.0.0/15 + k * kWave + i, so no two ANTs of the run share a flow).
  const size_t waves = total / kWave;
  size_t rss_first = 0, rss_max = 0, rss_last = 0, peak_first = 0, peak_max = 0;
  size_t heap_first = 0, heap_max = 0;
  uint64_t created_before = 0;
  for (size_t wave = 0; wave < waves; ++wave) {
    std::vector<Flow> flows;
    flows.reserve(kWave);
    for (size_t i = 0; i < kWave; ++i) {
      const uint32_t k = static_cast<uint32_t>(wave * kWave + i);
      flows.push_back(Flow{src, IpAddress::v4(0xC6000000u + k), 4000, 53});
    }
    // Started kBatch at a time, each batch given 50 ms to come up: the whole
    // wave in one instant would also hold kWave CREATE/CREATED cells in the
    // simulated links at once, heap that a daemon keeps in kernel socket
    // buffers instead (tools/sim_scale --batch).
    for (size_t i = 0; i < kWave; ++i) {
      const Bytes d = make_udp_datagram(flows[i], sim_payload(static_cast<uint32_t>(i), 0, 64));
      ASSERT_EQ(w.customer(0).send_datagram(d), Errc::ok);
      if ((i + 1) % kBatch == 0) w.run_for(Duration::ms(50));
    }
    w.run_for(Duration::s(2));
    // All of them up, at every hop, and each delivered its datagram.
    for (NodeId id = 1; id <= 3; ++id) {
      ASSERT_EQ(w.ain(id).engine().ants().size(), kWave) << "wave " << wave << " AIN " << id;
    }
    const std::vector<core::AntInfo> at_entrance = w.ain(1).engine().ants();
    size_t up = 0;
    for (const auto& a : at_entrance) up += a.up;
    ASSERT_EQ(up, kWave) << "wave " << wave;
    // RSS with the wave's ANTs all up: what an operator provisions for.
    const size_t peak = rss_bytes();
    if (wave == 0) peak_first = peak;
    peak_max = std::max(peak_max, peak);

    // Teardown: the first third by the initiator (customer DESTROY), the
    // second third by the intermediate AIN, the rest by inactivity.
    for (size_t i = 0; i < kWave / 3; ++i) {
      ASSERT_EQ(w.customer(0).send_destroy(flows[i].src, flows[i].dst), Errc::ok);
    }
    w.run_for(Duration::s(1));
    ASSERT_EQ(w.ain(2).engine().ants().size(), kWave - kWave / 3) << "wave " << wave;
    {
      const std::vector<core::AntInfo> mid = w.ain(2).engine().ants();
      for (size_t i = 0; i < kWave / 3; ++i) {
        ASSERT_EQ(w.ain(2).destroy_ant(mid[i].handle), Errc::ok);
      }
    }
    w.run_for(Duration::s(1));
    ASSERT_EQ(w.ain(2).engine().ants().size(), kWave - 2 * (kWave / 3)) << "wave " << wave;
    w.run_for(Duration{kIdle.ns + Duration::s(2).ns});

    const std::vector<Snapshot> now = snapshot(w);
    for (size_t n = 0; n < now.size(); ++n) {
      ASSERT_EQ(now[n], baseline[n])
          << "wave " << wave << " AIN " << n + 1 << ": " << describe(now[n]) << " vs baseline "
          << describe(baseline[n]);
    }
    const core::EngineStats& s = w.ain(1).engine().stats();
    EXPECT_EQ(s.ants_created - created_before, kWave) << "wave " << wave;
    created_before = s.ants_created;

    drop_harness_records(w);
    flows = {};
    malloc_trim(0);
    const size_t rss = rss_bytes();
    if (wave == 0) rss_first = rss;
    rss_last = rss;
    rss_max = std::max(rss_max, rss);
    const struct mallinfo2 mi = mallinfo2();
    const size_t heap = mi.uordblks + mi.hblkhd;
    if (wave == 0) heap_first = heap;
    heap_max = std::max(heap_max, heap);
    std::printf(
        "churn: wave %zu: %zu ANTs set up and torn down in total, RSS %.1f MiB with %zu "
        "ANTs up, %.1f MiB after (malloc: %.1f MiB in use, %.1f MiB free in the arena)\n",
        wave + 1, (wave + 1) * kWave, static_cast<double>(peak) / (1 << 20), kWave,
        static_cast<double>(rss) / (1 << 20),
        static_cast<double>(heap) / (1 << 20), static_cast<double>(mi.fordblks) / (1 << 20));
    std::fflush(stdout);  // progress of a long run (scripts/churn.sh)
  }
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(w.ain(id).engine().stats().ants_destroyed, total) << "AIN " << id;
    EXPECT_EQ(w.ain(id).engine().stats().create_failures, 0u) << "AIN " << id;
  }
  const auto kib = [](size_t a, size_t b) { return (static_cast<double>(a) - static_cast<double>(b)) / 1024; };
  std::printf(
      "churn: %zu ANTs; after wave 1: RSS %.1f MiB, malloc in use %.1f MiB; growth over wave 1: "
      "RSS with ANTs up %+.1f KiB, RSS after the last wave %+.1f KiB (largest after any wave "
      "%+.1f KiB), slack %zu KiB; in use %+.1f KiB (slack %zu KiB)\n",
      total, static_cast<double>(rss_first) / (1 << 20), static_cast<double>(heap_first) / (1 << 20),
      kib(peak_max, peak_first), kib(rss_last, rss_first), kib(rss_max, rss_first), kRssSlack >> 10,
      kib(heap_max, heap_first), kHeapSlack >> 10);
  if (AINET_CHURN_ASAN) {
    std::printf(
        "churn: RSS and malloc checks skipped under ASan (its quarantine keeps freed "
        "memory; its allocator is not glibc's)\n");
  } else {
    EXPECT_LE(peak_max, peak_first + kRssSlack);
    EXPECT_LE(rss_max, rss_first + kRssSlack);
    EXPECT_LE(heap_max, heap_first + kHeapSlack);
  }
}

}  // namespace
}  // namespace ainet::sim
