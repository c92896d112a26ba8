// sim_scale: N AINs and M live ANTs in one process, on the deterministic
// simulation harness (tests/sim). Reports
//   - memory per ANT per hop: heap growth (mallinfo2) and RSS growth
//     (/proc/self/statm) while the ANTs come up, divided by the number of
//     hop states (entries in every AIN's ANT table: entrance, intermediates, exit);
//   - ANT set-ups per CPU-second (CLOCK_PROCESS_CPUTIME_ID) for the whole
//     simulation: customers' ESP+AH, the network, and every AIN's engine;
//   - data cells through the ANTs per CPU-second;
//   - the crypto floor of a set-up (crypto_floor.h): the public-key and KDF
//     operations the set-up phase made per ANT (counted by src/crypto),
//     times the bare OpenSSL cost of each, measured in this process after
//     the run; and the set-up rate as a fraction of the floor's rate.
// This tool is outside the sans-I/O core, so it may read clocks.
//
//   sim_scale [--ains N] [--ants M] [--degree D] [--hops H] [--seed S] [--batch B]
//
// --batch B starts the set-ups B at a time, letting each batch finish (50 ms
// of simulated time) before the next; the default 0 starts all M in one
// instant. The burst is the CPU worst case, and for memory it also holds
// M CREATE/CREATED cells in the simulated links at once: those heap blocks,
// freed after, leave holes among the ANT state that RSS keeps (a daemon's
// cells in flight sit in kernel socket buffers instead). A paced run shows
// the ANT state without that artefact.
//
// With SIM_SCALE_EXIT_AFTER_SETUP=1 in the environment the tool prints the
// memory rows and _exit()s right after the set-up phase, so a heap profiler
// (`heaptrack sim_scale ...`, then heaptrack_print --print-leaks 1) lists
// exactly the live ANT state as "leaked" memory, by allocation site.
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "crypto_floor.h"
#include "sim/sim_datagram.h"
#include "sim/sim_world.h"

namespace {

using namespace ainet;
using namespace ainet::sim;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
size_t heap_bytes() { return mallinfo2().uordblks + mallinfo2().hblkhd; }
size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct Options {
  size_t ains = 100, ants = 10000, degree = 6, hops = 3;
  uint64_t seed = 1;
  size_t batch = 0;  // set-ups started at once; 0 = all
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const unsigned long long v = std::strtoull(argv[++i], nullptr, 10);
    if (a == "--ains") o.ains = v;
    else if (a == "--ants") o.ants = v;
    else if (a == "--degree") o.degree = v;
    else if (a == "--hops") o.hops = v;
    else if (a == "--seed") o.seed = v;
    else if (a == "--batch") o.batch = v;
    else return false;
  }
  return o.ains >= o.hops && o.hops >= 2 && o.ants > 0;
}

size_t hop_states(SimWorld& w, size_t* up_entrances) {
  size_t n = 0, up = 0;
  for (NodeId id = 1; id <= w.size(); ++id) {
    for (const auto& a : w.ain(id).engine().ants()) {
      ++n;
      up += a.role == core::AntInfo::Role::entrance && a.up;
    }
  }
  if (up_entrances) *up_entrances = up;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: sim_scale [--ains N] [--ants M] [--degree D] [--hops H] [--seed S] [--batch B]\n");
    return 2;
  }
  crypto::DeterministicRng trng(o.seed);
  WorldSpec spec;
  spec.seed = o.seed;
  spec.topo = Topology::random(o.ains, o.degree, trng);
  // One initiator per AIN (up to 100), ANTs spread evenly over them.
  const size_t customers = std::min<size_t>(o.ains, 100);
  for (size_t c = 0; c < customers; ++c) spec.customers.push_back({static_cast<NodeId>(c + 1), {}});
  const size_t hops = o.hops;
  spec.tweak = [hops](core::EngineConfig& c) {
    c.route_length = hops;
    c.pending_queue = 1;
  };
  std::string why;
  auto w = SimWorld::make(spec, &why);
  if (!w) {
    std::fprintf(stderr, "sim_scale: %s\n", why.c_str());
    return 1;
  }
  w->net.record_packets = false;
  for (NodeId id = 1; id <= w->size(); ++id) w->ain(id).keep_local = false;
  w->run_for(Duration::s(1));  // first keepalives

  // Datagrams built up front so their memory is not counted as ANT state.
  std::vector<std::pair<size_t, Bytes>> first;
  first.reserve(o.ants);
  for (size_t i = 0; i < o.ants; ++i) {
    const size_t c = i % customers;
    const uint32_t k = static_cast<uint32_t>(i / customers);
    Flow f{SimWorld::customer_address(c, false), IpAddress::v4(0xC6000000u + k)};  // 198.0.0.0/15
    first.emplace_back(c, make_udp_datagram(f, sim_payload(static_cast<uint32_t>(i), 0, 64)));
  }
  malloc_trim(0);
  const size_t heap0 = heap_bytes(), rss0 = rss_bytes();
  const crypto::KexCounts kex0 = crypto::kex_counts();
  const double cpu0 = cpu_seconds();
  size_t started = 0;
  for (const auto& [c, d] : first) {
    if (w->customer(c).send_datagram(d) != Errc::ok) return 1;
    if (o.batch != 0 && ++started % o.batch == 0) w->run_for(Duration::ms(50));
  }
  w->run_for(Duration::s(2));
  const double cpu1 = cpu_seconds();
  const crypto::KexCounts kex1 = crypto::kex_counts();
  size_t up = 0;
  const size_t states = hop_states(*w, &up);
  const size_t heap1 = heap_bytes(), rss1 = rss_bytes();
  // RSS once glibc has given its free memory back: RSS growth minus this
  // is free heap the allocator kept after the set-up burst; what remains
  // above the heap growth is fragmentation (pages only partly in use).
  // aind makes no such call, so the row before it is what a daemon sees.
  malloc_trim(0);
  const size_t rss1_trimmed = rss_bytes();
  const auto per_state = [states](size_t a, size_t b) {
    return states ? (static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(states)
                  : 0.0;
  };
  if (std::getenv("SIM_SCALE_EXIT_AFTER_SETUP")) {
    std::printf(
        "hop states %zu, heap per hop state %.0f, RSS per hop state %.0f, RSS per hop state after "
        "malloc_trim %.0f\n",
        states, per_state(heap1, heap0), per_state(rss1, rss0), per_state(rss1_trimmed, rss0));
    std::fflush(stdout);
    _exit(up == o.ants ? 0 : 1);
  }

  // Data: one more datagram per ANT, end to end.
  uint64_t local0 = 0, local1 = 0;
  for (NodeId id = 1; id <= w->size(); ++id) local0 += w->ain(id).local_count;
  const double cpu2 = cpu_seconds();
  for (const auto& [c, d] : first) {
    if (w->customer(c).send_datagram(d) != Errc::ok) return 1;
  }
  w->run_for(Duration::s(1));
  const double cpu3 = cpu_seconds();
  for (NodeId id = 1; id <= w->size(); ++id) local1 += w->ain(id).local_count;

  const crypto::KexCounts kex{kex1.x25519_keygen - kex0.x25519_keygen,
                              kex1.x25519_shared - kex0.x25519_shared, kex1.hkdf - kex0.hkdf,
                              kex1.ed25519_sign - kex0.ed25519_sign,
                              kex1.ed25519_verify - kex0.ed25519_verify};
  tools::CryptoOpCosts costs;
  if (!tools::measure_crypto_op_costs(2000, kex.ed25519_sign + kex.ed25519_verify > 0, costs)) {
    std::fprintf(stderr, "sim_scale: OpenSSL refused a crypto floor measurement\n");
    return 1;
  }
  const double floor_cpu = tools::crypto_floor_seconds(kex, costs);
  const double setup_cpu = cpu1 - cpu0, data_cpu = cpu3 - cpu2;
  const double heap_delta = static_cast<double>(heap1) - static_cast<double>(heap0);
  const double rss_delta = static_cast<double>(rss1) - static_cast<double>(rss0);
  std::printf("sim_scale: %zu AINs (random graph, degree %zu, %zu PVTs), route length %zu, seed %llu\n",
              o.ains, o.degree, w->keys.topo.edges.size(), o.hops,
              static_cast<unsigned long long>(o.seed));
  std::printf("| metric                               | value        |\n");
  std::printf("|--------------------------------------|--------------|\n");
  std::printf("| ANTs requested / up at entrance      | %5zu / %5zu |\n", o.ants, up);
  std::printf("| hop states (all AINs' ANT tables)    | %12zu |\n", states);
  std::printf("| heap growth per hop state (bytes)    | %12.0f |\n", states ? heap_delta / states : 0.0);
  std::printf("| RSS growth per hop state (bytes)     | %12.0f |\n", states ? rss_delta / states : 0.0);
  std::printf("| same after malloc_trim(0) (bytes)    | %12.0f |\n", per_state(rss1_trimmed, rss0));
  std::printf("| heap growth per ANT (bytes)          | %12.0f |\n", up ? heap_delta / up : 0.0);
  std::printf("| set-up CPU seconds (whole sim)       | %12.3f |\n", setup_cpu);
  std::printf("| ANT set-ups per CPU-second           | %12.0f |\n", setup_cpu > 0 ? up / setup_cpu : 0.0);
  const double per_ant = up ? 1.0 / static_cast<double>(up) : 0.0;
  std::printf("| per ANT: X25519 keygen / DH / HKDF   | %4.1f/%4.1f/%4.1f |\n",
              static_cast<double>(kex.x25519_keygen) * per_ant,
              static_cast<double>(kex.x25519_shared) * per_ant, static_cast<double>(kex.hkdf) * per_ant);
  std::printf("| per ANT: Ed25519 sign / verify       | %5.1f / %5.1f |\n",
              static_cast<double>(kex.ed25519_sign) * per_ant,
              static_cast<double>(kex.ed25519_verify) * per_ant);
  std::printf("| bare X25519 / HKDF, CPU microseconds | %6.2f/%5.2f |\n", costs.x25519_us,
              costs.hkdf_us);
  std::printf("| crypto floor CPU-us per ANT set-up   | %12.1f |\n", floor_cpu * 1e6 * per_ant);
  std::printf("| measured CPU-us per ANT set-up       | %12.1f |\n", setup_cpu * 1e6 * per_ant);
  std::printf("| ANT set-ups per CPU-second at floor  | %12.0f |\n", floor_cpu > 0 ? up / floor_cpu : 0.0);
  std::printf("| set-up rate / floor rate             | %12.3f |\n",
              setup_cpu > 0 ? floor_cpu / setup_cpu : 0.0);
  std::printf("| datagrams delivered (data phase)     | %12llu |\n",
              static_cast<unsigned long long>(local1 - local0));
  std::printf("| end-to-end datagrams per CPU-second  | %12.0f |\n",
              data_cpu > 0 ? static_cast<double>(local1 - local0) / data_cpu : 0.0);
  std::printf("| cells (link crossings) per CPU-second| %12.0f |\n",
              data_cpu > 0 ? static_cast<double>(local1 - local0) * static_cast<double>(o.hops - 1) / data_cpu : 0.0);
  // Success: every ANT came up and carried its data-phase datagram.
  return up == o.ants && local1 - local0 == o.ants ? 0 : 1;
}
