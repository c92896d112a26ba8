// The flow-correlation attack of bench/correlation. The attacker holds, for
// each flow seen on a customer <-> entrance link and each flow seen at an
// exit's Internet side, the packet counts and bytes per time window in each
// direction (testbed.h Observation), and nothing else.
//
// Score of a pair (entrance flow i, exit flow j): the Pearson correlation of
// their per-window packet counts (and byte counts), upstream (entrance ->
// exit) and downstream (exit -> entrance) separately, each maximised over a
// small range of lags (the later side lags the earlier one by the path
// delay), then averaged. This is the classic cross-correlation of
// windowed traffic volumes used against Tor and mixes: Shmatikov & Wang,
// "Timing analysis in low-latency mix networks" (ESORICS 2006); Murdoch &
// Zielinski, "Sampled traffic analysis by Internet-exchange-level
// adversaries" (PETS 2007); RAPTOR (Sun et al., USENIX Security 2015) uses
// the same statistic on byte counts; DeepCorr (Nasr et al., CCS 2018)
// learns a better one and is the state of the art this does not reach.
//
// Matching: the assignment of entrance to exit flows that maximises the total
// score (Hungarian method), and the threshold analysis: the true-positive
// rate when the threshold lets through 1% of the false pairs.
#pragma once
#include <vector>

#include "testbed.h"

namespace ainet::corr {

struct AttackConfig {
  Duration window = Duration::ms(250);
  Duration max_lag = Duration::ms(500);
  bool bytes = true;  // also correlate byte counts (packets only if false)
};

using ScoreMatrix = std::vector<std::vector<double>>;  // [entrance flow][exit flow]
ScoreMatrix correlate(const Observation& ob, const AttackConfig& c);

struct AttackResult {
  double tpr_at_1pct_fpr = 0;
  double accuracy = 0;  // entrance flows assigned to their own exit flow / entrance flows
  double mean_true = 0, mean_false = 0;
};
AttackResult evaluate(const Observation& ob, const ScoreMatrix& s);

// Maximum-score assignment of rows to columns; result[row] = column or -1.
std::vector<int> assign_max(const ScoreMatrix& s);

}  // namespace ainet::corr
