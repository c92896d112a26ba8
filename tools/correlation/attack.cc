// The correlation attack of bench/correlation (see attack.h).
#include "attack.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ainet::corr {

namespace {

// A series re-binned to the attack window.
std::vector<double> rebin(const std::vector<uint32_t>& v, size_t k) {
  std::vector<double> out((v.size() + k - 1) / k, 0.0);
  for (size_t i = 0; i < v.size(); ++i) out[i / k] += v[i];
  return out;
}

// max over lag in [0, max_lag] of Pearson(lead[t], lagging[t + lag]).
double lagged_pearson(const std::vector<double>& lead, const std::vector<double>& lagging,
                      size_t max_lag) {
  const size_t n = std::min(lead.size(), lagging.size());
  double best = 0;
  bool any = false;
  for (size_t lag = 0; lag <= max_lag && lag + 2 < n; ++lag) {
    const size_t m = n - lag;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t t = 0; t < m; ++t) {
      const double a = lead[t], b = lagging[t + lag];
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
    const double md = static_cast<double>(m);
    const double va = saa - sa * sa / md, vb = sbb - sb * sb / md;
    // A constant series (no traffic, or perfectly shaped) carries no signal.
    const double r = (va <= 1e-9 || vb <= 1e-9) ? 0.0 : (sab - sa * sb / md) / std::sqrt(va * vb);
    if (!any || r > best) best = r;
    any = true;
  }
  return best;
}

struct Rebinned {
  std::vector<double> pkts[2], bytes[2];
};
Rebinned rebin(const Series& s, size_t k) {
  Rebinned r;
  for (int d = 0; d < 2; ++d) {
    r.pkts[d] = rebin(s.pkts[d], k);
    r.bytes[d] = rebin(s.bytes[d], k);
  }
  return r;
}

}  // namespace

ScoreMatrix correlate(const Observation& ob, const AttackConfig& c) {
  const size_t k = static_cast<size_t>(std::max<int64_t>(1, c.window.ns / ob.bin.ns));
  const size_t lags = static_cast<size_t>(c.max_lag.ns / (k * ob.bin.ns));
  std::vector<Rebinned> en, ex;
  for (const Series& s : ob.entrance) en.push_back(rebin(s, k));
  for (const Series& s : ob.exit) ex.push_back(rebin(s, k));
  ScoreMatrix m(en.size(), std::vector<double>(ex.size(), 0.0));
  for (size_t i = 0; i < en.size(); ++i) {
    for (size_t j = 0; j < ex.size(); ++j) {
      // Upstream the exit sees what the entrance saw, later; downstream the
      // entrance sees what the exit saw, later.
      double s = lagged_pearson(en[i].pkts[Series::up], ex[j].pkts[Series::up], lags) +
                 lagged_pearson(ex[j].pkts[Series::down], en[i].pkts[Series::down], lags);
      int parts = 2;
      if (c.bytes) {
        s += lagged_pearson(en[i].bytes[Series::up], ex[j].bytes[Series::up], lags) +
             lagged_pearson(ex[j].bytes[Series::down], en[i].bytes[Series::down], lags);
        parts += 2;
      }
      m[i][j] = s / parts;
    }
  }
  return m;
}

std::vector<int> assign_max(const ScoreMatrix& s) {
  // Hungarian method with potentials on the square cost matrix
  // cost = -score, padded with zeros (dummy rows or columns); O(n^3).
  const size_t rows = s.size(), cols = rows ? s[0].size() : 0;
  const size_t n = std::max(rows, cols);
  std::vector<int> result(rows, -1);
  if (n == 0) return result;
  auto cost = [&](size_t i, size_t j) {  // 1-based
    return (i <= rows && j <= cols) ? -s[i - 1][j - 1] : 0.0;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(n + 1, 0);
  std::vector<size_t> p(n + 1, 0), way(n + 1, 0);  // p[j]: row matched to column j
  for (size_t i = 1; i <= n; ++i) {
    p[0] = i;
    size_t j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<bool> used(n + 1, false);
    do {
      used[j0] = true;
      const size_t i0 = p[j0];
      double delta = inf;
      size_t j1 = 0;
      for (size_t j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {  // augment along the alternating path
      const size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  for (size_t j = 1; j <= n; ++j) {
    if (p[j] >= 1 && p[j] <= rows && j <= cols) result[p[j] - 1] = static_cast<int>(j - 1);
  }
  return result;
}

AttackResult evaluate(const Observation& ob, const ScoreMatrix& s) {
  AttackResult r;
  std::vector<double> pos, neg;
  for (size_t i = 0; i < s.size(); ++i) {
    for (size_t j = 0; j < s[i].size(); ++j) {
      (ob.exit_truth[j] == i ? pos : neg).push_back(s[i][j]);
    }
  }
  auto mean = [](const std::vector<double>& v) {
    double t = 0;
    for (double x : v) t += x;
    return v.empty() ? 0.0 : t / static_cast<double>(v.size());
  };
  r.mean_true = mean(pos);
  r.mean_false = mean(neg);
  // Threshold: the score that at most 1% of the false pairs exceed.
  if (!neg.empty() && !pos.empty()) {
    std::sort(neg.begin(), neg.end(), std::greater<>());
    const double thr = neg[static_cast<size_t>(0.01 * static_cast<double>(neg.size()))];
    size_t tp = 0;
    for (double x : pos) tp += x > thr;
    r.tpr_at_1pct_fpr = static_cast<double>(tp) / static_cast<double>(pos.size());
  }
  const std::vector<int> a = assign_max(s);
  size_t ok = 0;
  for (size_t i = 0; i < a.size(); ++i)
    ok += a[i] >= 0 && ob.exit_truth[static_cast<size_t>(a[i])] == i;
  r.accuracy = s.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(s.size());
  return r;
}

}  // namespace ainet::corr
