// Random draws for the traffic models of bench/correlation: uniform,
// normal, lognormal, Pareto and Weibull variates from crypto's
// DeterministicRng (ChaCha20 keystream), computed here by inversion or
// Box-Muller rather than with <random>'s distributions, whose algorithms the
// C++ standard leaves to the library: the same seed gives the same traffic
// on every platform.
#pragma once
#include <cmath>
#include <cstdint>

#include "crypto/rng.h"

namespace ainet::corr {

class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  Draw(const Draw&) = delete;
  Draw& operator=(const Draw&) = delete;

  // Uniform in (0, 1): 53 random bits, never exactly 0 (logs below).
  double uniform() {
    return (static_cast<double>(rng_.u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  uint64_t index(uint64_t n) { return rng_.uniform(n); }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; one of the pair is discarded for simplicity).
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }
  // Pareto with shape alpha and scale (minimum) xm: P(X > x) = (xm / x)^alpha.
  double pareto(double alpha, double xm) { return xm / std::pow(uniform(), 1.0 / alpha); }
  // Weibull with shape k and scale lambda: P(X > x) = exp(-(x / lambda)^k).
  double weibull(double k, double lambda) {
    return lambda * std::pow(-std::log(uniform()), 1.0 / k);
  }
  double exponential(double mean) { return -mean * std::log(uniform()); }

 private:
  crypto::DeterministicRng rng_;
};

inline double clamp(double x, double lo, double hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

}  // namespace ainet::corr
