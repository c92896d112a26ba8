// bench/correlation's program: runs the flow-correlation attack of attack.h
// against ainet in the deterministic simulator (testbed.h), once per
// defence configuration (defences.h), and prints one table row each:
// true-positive rate at 1% false positives, matching accuracy, bandwidth
// overhead and added latency. See bench/correlation for the models and why.
//
//   correlation [--seed S] [--flows N] [--duration SECONDS] [--ains N]
//               [--quick] [--rows off,size,constant,adaptive,all]
//               [--rate CELLS_PER_S] [--levels A,B,C] [--interval SECONDS]
//               [--cover ANTS] [--window-ms W] [--lag-ms L] [--smoke] [--verbose]
//
// --smoke (ctest): defences off only, exits non-zero unless the true pairs
// score above the false ones on average.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "attack.h"
#include "testbed.h"

namespace {

using namespace ainet;
using namespace ainet::corr;

struct Cli {
  BenchOptions bench;
  std::vector<Defence> rows{Defence::off, Defence::size, Defence::size_constant,
                            Defence::size_adaptive, Defence::all};
  AttackConfig attack;
  bool smoke = false;
};

bool parse_rows(const std::string& s, std::vector<Defence>* out) {
  out->clear();
  size_t p = 0;
  while (p <= s.size()) {
    const size_t q = std::min(s.find(',', p), s.size());
    const std::string r = s.substr(p, q - p);
    if (r == "off")
      out->push_back(Defence::off);
    else if (r == "size")
      out->push_back(Defence::size);
    else if (r == "constant")
      out->push_back(Defence::size_constant);
    else if (r == "adaptive")
      out->push_back(Defence::size_adaptive);
    else if (r == "all")
      out->push_back(Defence::all);
    else
      return false;
    p = q + 1;
  }
  return !out->empty();
}

bool parse_levels(const std::string& s, std::vector<uint32_t>* out) {
  out->clear();
  size_t p = 0;
  while (p <= s.size()) {
    const size_t q = std::min(s.find(',', p), s.size());
    char* end = nullptr;
    const unsigned long v = std::strtoul(s.substr(p, q - p).c_str(), &end, 10);
    if (!end || *end != '\0' || v == 0) return false;
    out->push_back(static_cast<uint32_t>(v));
    p = q + 1;
  }
  return !out->empty();
}

bool parse(int argc, char** argv, Cli& c) {
  bool flows_set = false, duration_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      if (!flows_set) c.bench.flows = 20;
      if (!duration_set) c.bench.duration = Duration::s(30);
      continue;
    }
    if (a == "--smoke") {
      c.smoke = true;
      continue;
    }
    if (a == "--verbose") {
      c.bench.verbose = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    const bool num = end && *end == '\0' && x >= 0;
    if (a == "--rows") {
      if (!parse_rows(v, &c.rows)) return false;
    } else if (a == "--levels") {
      if (!parse_levels(v, &c.bench.defence.levels)) return false;
    } else if (!num) {
      return false;
    } else if (a == "--seed") {
      c.bench.seed = static_cast<uint64_t>(x);
    } else if (a == "--flows") {
      c.bench.flows = static_cast<size_t>(x);
      flows_set = true;
    } else if (a == "--duration") {
      c.bench.duration = Duration{static_cast<int64_t>(x * 1e9)};
      duration_set = true;
    } else if (a == "--ains") {
      c.bench.ains = static_cast<size_t>(x);
    } else if (a == "--rate") {
      c.bench.defence.rate = static_cast<uint32_t>(x);
    } else if (a == "--interval") {
      c.bench.defence.interval = Duration{static_cast<int64_t>(x * 1e9)};
    } else if (a == "--cover") {
      c.bench.defence.cover_ants = static_cast<size_t>(x);
    } else if (a == "--window-ms") {
      c.attack.window = Duration{static_cast<int64_t>(x * 1e6)};
    } else if (a == "--lag-ms") {
      c.attack.max_lag = Duration{static_cast<int64_t>(x * 1e6)};
    } else {
      return false;
    }
  }
  if (c.smoke) c.rows = {Defence::off};
  return c.bench.flows >= 2 && c.bench.ains >= 4 && c.bench.duration >= Duration::s(5) &&
         c.attack.window.ns >= Duration::ms(10).ns;
}

// Probability that matching at random gets at least as many flows right:
// the number of fixed points of a random permutation of N is close to
// Poisson(1), so P(>= k) = 1 - e^-1 * sum_{i<k} 1/i!.
double chance_at_least(double accuracy, size_t n) {
  const long k = std::lround(accuracy * static_cast<double>(n));
  double below = 0, term = std::exp(-1.0);
  for (long i = 0; i < k; ++i) {
    below += term;
    term /= static_cast<double>(i + 1);
  }
  return std::max(0.0, 1.0 - below);
}

// --verbose: what the attacker sees on each customer link, in numbers:
// packet lengths, and packets per second (min-max over the whole seconds of
// the run), each way. Constant shaping makes every line the same.
void describe_entrance(const Observation& ob) {
  const size_t per_s = static_cast<size_t>(Duration::s(1).ns / ob.bin.ns);
  for (size_t i = 0; i < ob.entrance.size(); ++i) {
    const Series& s = ob.entrance[i];
    std::fprintf(stderr, "  link %2zu", i);
    for (int d = 0; d < 2; ++d) {
      uint32_t lo = UINT32_MAX, hi = 0;
      for (size_t b = 0; b + per_s <= s.pkts[d].size(); b += per_s) {
        uint32_t n = 0;
        for (size_t k = b; k < b + per_s; ++k) n += s.pkts[d][k];
        lo = std::min(lo, n);
        hi = std::max(hi, n);
      }
      std::fprintf(stderr, "  %s: length %zu-%zu, %u-%u packets/s", d == 0 ? "up" : "down",
                   s.min_len[d] == SIZE_MAX ? 0 : s.min_len[d], s.max_len[d], lo, hi);
    }
    std::fprintf(stderr, "\n");
  }
}

double percentile(std::vector<int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return static_cast<double>(v[k]) * 1e-6;  // ms
}

struct Row;
std::vector<std::string> inactive(const Row& r);

struct Row {
  Defence d;
  RunResult run;
  AttackResult attack;
  double best_acc = 0;
  int64_t best_window_ms = 0;
};

// A row whose defence did not act is flagged, never reported as if it had:
// each mechanism is checked where it shows (dummies sent and received).
std::vector<std::string> inactive(const Row& r) {
  std::vector<std::string> w;
  const bool shaped =
      r.d == Defence::size_constant || r.d == Defence::size_adaptive || r.d == Defence::all;
  if (!shaped) return w;
  if (r.run.customer_dummies_sent == 0) w.push_back("no customer -> entrance dummies were sent");
  if (r.run.customer_dummies_received == 0)
    w.push_back("no entrance -> customer dummies arrived (ShapingConfig::customer not acting)");
  if (r.run.ain_dummy_cells == 0)
    w.push_back("no AIN received a dummy cell (ShapingConfig::ant not acting)");
  if (r.d == Defence::all && r.run.cover_ants_built == 0) w.push_back("no cover ANT was built");
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  Cli c;
  if (!parse(argc, argv, c)) {
    std::fprintf(
        stderr,
        "usage: correlation [--seed S] [--flows N>=2] [--duration SECONDS>=5] [--ains N>=4]\n"
        "                   [--quick] [--rows off,size,constant,adaptive,all]\n"
        "                   [--window-ms W>=10] [--lag-ms L] [--smoke] [--verbose]\n");
    return 2;
  }
  // The overheads are ratios to the run without defences: it always runs first.
  if (std::find(c.rows.begin(), c.rows.end(), Defence::off) == c.rows.end())
    c.rows.insert(c.rows.begin(), Defence::off);
  std::vector<Row> rows;
  for (Defence d : c.rows) {
    Row r{d, run_bench(c.bench, d), {}, 0, 0};
    if (r.run.missing.empty()) {
      r.attack = evaluate(r.run.obs, correlate(r.run.obs, c.attack));
      // An attacker who tunes the window on its own flows: the best of a few.
      for (int64_t w : {100, 250, 500, 1000, 2000, 5000}) {
        AttackConfig a = c.attack;
        a.window = Duration::ms(w);
        a.max_lag = Duration::ms(std::max<int64_t>(w, (c.attack.max_lag.ns / 1000000)));
        const double acc = evaluate(r.run.obs, correlate(r.run.obs, a)).accuracy;
        if (acc > r.best_acc) {
          r.best_acc = acc;
          r.best_window_ms = w;
        }
      }
    }
    for (const std::string& l : r.run.flow_lines) std::fprintf(stderr, "  %s\n", l.c_str());
    if (c.bench.verbose && r.run.missing.empty()) describe_entrance(r.run.obs);
    std::fprintf(stderr, "correlation: %-30s %s (%.1f CPU s)\n", defence_name(d),
                 r.run.missing.empty() ? "done" : "not run", r.run.cpu_seconds);
    rows.push_back(std::move(r));
  }

  const RunResult& base = rows.front().run;
  if (!base.missing.empty()) {
    std::fprintf(stderr, "correlation: the run without defences failed: %s\n",
                 base.missing.c_str());
    return 1;
  }
  const double n = static_cast<double>(c.bench.flows);
  std::printf("bench/correlation: %zu flows (", c.bench.flows);
  for (int k = 0; k < kAppKinds; ++k)
    std::printf("%s%s %zu", k ? ", " : "", kind_name(static_cast<AppKind>(k)), base.kinds[k]);
  std::printf("), %zu AINs, 3-hop routes, %.0f s simulated, seed %llu\n", c.bench.ains,
              static_cast<double>(c.bench.duration.ns) * 1e-9,
              static_cast<unsigned long long>(c.bench.seed));
  std::printf(
      "attack: Pearson of packet%s counts in %lld ms windows, max over lags 0..%lld ms, "
      "Hungarian matching; random guessing = 1/N = %.1f%%\n\n",
      c.attack.bytes ? " and byte" : "", static_cast<long long>((c.attack.window.ns / 1000000)),
      static_cast<long long>((c.attack.max_lag.ns / 1000000)), 100.0 / n);
  for (const Row& r : rows)
    std::printf("  %-28s %s\n", defence_name(r.d), c.bench.defence.describe(r.d).c_str());
  std::printf("\n");
  std::printf(
      "| configuration                | TPR@1%%FPR | accuracy | P(chance) | best window acc. "
      "| score true/false | customer bytes | inter-AIN bytes | app bytes "
      "| delay median / p99 ms | added median / p99 ms | web/ssh response median / p99 ms |\n");
  std::printf(
      "|------------------------------|-----------|----------|-----------|------------------"
      "|------------------|----------------|-----------------|-----------"
      "|-----------------------|-----------------------|-----------------------------------|\n");
  const double base_med = percentile(base.delay_ns, 0.5),
               base_p99 = percentile(base.delay_ns, 0.99);
  for (const Row& r : rows) {
    if (!r.run.missing.empty()) {
      std::printf("| %-28s | not measured: %s |\n", defence_name(r.d), r.run.missing.c_str());
      continue;
    }
    const bool flagged = !inactive(r).empty();
    const double med = percentile(r.run.delay_ns, 0.5), p99 = percentile(r.run.delay_ns, 0.99);
    auto ratio = [](uint64_t a, uint64_t b) {
      return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
    };
    // "!" marks a row whose defence did not act (see the warnings below).
    std::printf(
        "| %-27s%s | %8.1f%% | %7.1f%% | %9.3f | %6.1f%% (%4lld ms) | %6.3f / %6.3f  | %13.2fx ",
        defence_name(r.d), flagged ? "!" : " ", 100 * r.attack.tpr_at_1pct_fpr,
        100 * r.attack.accuracy, chance_at_least(r.attack.accuracy, c.bench.flows),
        100 * r.best_acc, static_cast<long long>(r.best_window_ms), r.attack.mean_true,
        r.attack.mean_false, ratio(r.run.customer_wire_bytes, base.customer_wire_bytes));
    std::printf("| %14.2fx | %8.2fx | %9.1f / %9.1f | %+9.1f / %+9.1f | %14.1f / %14.1f |\n",
                ratio(r.run.inter_ain_wire_bytes, base.inter_ain_wire_bytes),
                ratio(r.run.app_bytes, base.app_bytes), med, p99, med - base_med, p99 - base_p99,
                percentile(r.run.response_ns, 0.5), percentile(r.run.response_ns, 0.99));
  }
  std::printf(
      "\naccuracy: entrance flows matched to their own exit flow (Hungarian assignment on the "
      "scores); P(chance): probability that a random matching gets at least as many right;\n"
      "TPR@1%%FPR: true pairs scoring above the threshold that 1%% of false pairs pass;\n"
      "best window acc.: the highest accuracy over 0.1, 0.25, 0.5, 1, 2 and 5 s windows, chosen "
      "with the ground truth (optimistic for the attacker: with no signal at all the best of six "
      "chance results is above 1/N);\n"
      "bytes: on the wire with this defence / without (customer links both ways; inter-AIN links "
      "incl. signaling); app bytes: stream bytes the applications received, same ratio;\n"
      "delay: one-way, every datagram through ainet (client -> exit delivery, exit reply -> "
      "client); added: minus the row without defences; response: web/ssh/keepalive request -> "
      "whole response.\n");
  std::printf("\nper row:");
  for (const Row& r : rows) {
    if (!r.run.missing.empty()) continue;
    std::printf(
        "\n  %-28s customer %.1f MB, inter-AIN %.1f MB, app %.1f MB; %zu exit flows, %zu/%zu flows "
        "answered; datagrams %llu sent / %llu delivered; %llu retransmissions, %llu timeouts; "
        "%llu link tail drops; %.1f CPU s",
        defence_name(r.d), static_cast<double>(r.run.customer_wire_bytes) * 1e-6,
        static_cast<double>(r.run.inter_ain_wire_bytes) * 1e-6,
        static_cast<double>(r.run.app_bytes) * 1e-6, r.run.obs.exit.size(), r.run.flows_answered,
        c.bench.flows, static_cast<unsigned long long>(r.run.datagrams_sent),
        static_cast<unsigned long long>(r.run.datagrams_delivered),
        static_cast<unsigned long long>(r.run.retransmits),
        static_cast<unsigned long long>(r.run.timeouts),
        static_cast<unsigned long long>(r.run.link_queue_drops), r.run.cpu_seconds);
    std::printf(
        "\n  %-28s shaping seen: customers sent %llu dummies and received %llu; AINs sent %llu "
        "dummy "
        "cells and dropped %llu; shaping-queue drops %llu at customers, %llu at AINs; %llu cover "
        "ANTs "
        "built; %zu entrance ANTs at the end",
        "", static_cast<unsigned long long>(r.run.customer_dummies_sent),
        static_cast<unsigned long long>(r.run.customer_dummies_received),
        static_cast<unsigned long long>(r.run.ain_dummy_cells_sent),
        static_cast<unsigned long long>(r.run.ain_dummy_cells),
        static_cast<unsigned long long>(r.run.customer_shaping_drops),
        static_cast<unsigned long long>(r.run.ain_shaping_drops),
        static_cast<unsigned long long>(r.run.cover_ants_built), r.run.ants_at_end);
    for (const std::string& w : inactive(r)) std::printf("\n  %-28s WARNING: %s", "", w.c_str());
  }
  std::printf("\n");
  if (c.smoke) {
    const AttackResult& a = rows.front().attack;
    if (!(a.mean_true > a.mean_false) || rows.front().run.flows_answered == 0) {
      std::fprintf(stderr,
                   "correlation --smoke: true pairs do not score above false ones (%.3f vs %.3f)\n",
                   a.mean_true, a.mean_false);
      return 1;
    }
  }
  return 0;
}
