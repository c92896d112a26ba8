// Microbenchmarks of the AIN engine primitives: onion cells per hop role,
// the per-hop handshake, and route selection on a 100-AIN graph.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "core/directory.h"
#include "core/handshake.h"
#include "core/onion.h"
#include "core/route_selection.h"
#include "crypto/rng.h"

namespace {

using namespace ainet;
using namespace ainet::core;

std::vector<HopKeys> random_route(size_t k, crypto::Rng& rng) {
  std::vector<HopKeys> route(k);
  for (auto& h : route)
    for (Secret<32>* s : {&h.fwd_layer, &h.bwd_layer, &h.fwd_prp, &h.bwd_prp, &h.auth, &h.e2e_fwd,
                          &h.e2e_bwd}) {
      s->resize(32);
      rng.fill(s->mut_span());
    }
  return route;
}

void BM_WrapForward(benchmark::State& st) {
  crypto::DeterministicRng rng(1);
  auto route = random_route(static_cast<size_t>(st.range(0)), rng);
  auto keys = std::move(make_route_onion_keys(route, kDefaultCellSize)).value();
  Bytes dgram(1300, 0xab), cell(kDefaultCellSize);
  for (auto _ : st) {
    if (wrap_forward(keys, CellType::data, dgram, rng, cell) != Errc::ok) st.SkipWithError("wrap");
    benchmark::DoNotOptimize(cell.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(cell.size()));
}
BENCHMARK(BM_WrapForward)->Arg(2)->Arg(4)->Arg(8);

void BM_RelayForward(benchmark::State& st) {
  crypto::DeterministicRng rng(2);
  auto route = random_route(2, rng);
  auto hop = std::move(make_hop_onion_keys(route[0], false, kDefaultCellSize)).value();
  Bytes cell(kDefaultCellSize, 0x5a);
  for (auto _ : st) {
    if (relay_forward(hop, cell) != Errc::ok) st.SkipWithError("relay");
    benchmark::DoNotOptimize(cell.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(cell.size()));
}
BENCHMARK(BM_RelayForward);

void BM_ExitOpenForward(benchmark::State& st) {
  crypto::DeterministicRng rng(3);
  auto route = random_route(1, rng);
  auto entrance = std::move(make_route_onion_keys(route, kDefaultCellSize)).value();
  auto exit = std::move(make_hop_onion_keys(route[0], true, kDefaultCellSize)).value();
  Bytes dgram(1300, 0xab), cell(kDefaultCellSize), work(kDefaultCellSize);
  if (wrap_forward(entrance, CellType::data, dgram, rng, cell) != Errc::ok) return;
  for (auto _ : st) {
    work = cell;
    auto p = open_forward(exit, work);
    if (!p) st.SkipWithError("open");
    benchmark::DoNotOptimize(p);
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(cell.size()));
}
BENCHMARK(BM_ExitOpenForward);

void BM_ProcessCreate(benchmark::State& st) {
  crypto::DeterministicRng rng(4);
  auto onion = crypto::x25519_generate(rng);
  HopTarget t{onion.pub, encode_hop_info(HopInfo{})};
  EntranceHandshake hs;
  std::array<uint8_t, wire::kCreateBlobSize> blob, out;
  if (build_create(std::span<const HopTarget>(&t, 1), rng, hs, blob) != Errc::ok) return;
  for (auto _ : st) {
    CreateProcessed p;
    if (process_create(onion, blob, rng, p, out) != Errc::ok) st.SkipWithError("create");
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ProcessCreate);

void BM_PickRoute100(benchmark::State& st) {
  crypto::DeterministicRng rng(5);
  std::vector<AinEntry> e(100);
  for (size_t i = 0; i < e.size(); ++i) {
    e[i].id = NodeId(i + 1);
    e[i].exit_policy = {*wire::IpPrefix::parse("0.0.0.0/0")};
  }
  for (size_t i = 0; i < e.size(); ++i)  // ring plus random chords, degree ~8
    for (size_t j : {(i + 1) % 100, (i + 1 + rng.uniform(98)) % 100})
      if (j != i) {
        e[i].neighbours.push_back(NodeId(j + 1));
        e[j].neighbours.push_back(NodeId(i + 1));
      }
  for (auto& a : e) {
    std::sort(a.neighbours.begin(), a.neighbours.end());
    a.neighbours.erase(std::unique(a.neighbours.begin(), a.neighbours.end()), a.neighbours.end());
  }
  auto dir = make_directory(1, 0, std::move(e));
  const auto dst = *wire::IpAddress::parse("192.0.2.1");
  for (auto _ : st) {
    auto r = pick_route(dir.directory, 1, dst, static_cast<size_t>(st.range(0)), rng,
                        [](NodeId) { return true; });
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PickRoute100)->Arg(3)->Arg(9);

}  // namespace

BENCHMARK_MAIN();
