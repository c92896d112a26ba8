// Writing the Prometheus text exposition format (version 0.0.4), as served
// on GET /metrics by aind and ain-endpoint (io/metrics_http_server.h):
//
//   # HELP ainet_cells_total TVT data cells carried by this AIN's ANTs.
//   # TYPE ainet_cells_total counter
//   ainet_cells_total{direction="fwd"} 1234
//
// Names follow the Prometheus conventions: snake_case with the ainet_
// prefix, counters end in _total, units are base units in the name
// (_seconds, _bytes). Each family is written once, with all its samples
// right after its HELP/TYPE lines; label values are escaped (\\, \", \n).
// `promtool check metrics` accepts what this writes (checked in the tests).
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ainet::daemon {

enum class MetricType : uint8_t { counter, gauge, histogram };

// A cumulative-on-output histogram with fixed upper bounds (seconds).
// observe() does not allocate (it runs once per ANT set-up).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10,  30};
  void observe(double seconds);
  const std::array<uint64_t, kBounds.size() + 1>& buckets() const {
    return buckets_;
  }  // last: +Inf
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<uint64_t, kBounds.size() + 1> buckets_{};  // per bucket, not cumulative
  uint64_t count_ = 0;
  double sum_ = 0;
};

class PrometheusText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // # HELP and # TYPE of a family; its samples follow.
  void family(std::string_view name, MetricType type, std::string_view help);
  void sample(std::string_view name, Labels labels, uint64_t value);
  void sample(std::string_view name, Labels labels, double value);
  // Shorthands: a family with one unlabelled sample.
  void counter(std::string_view name, std::string_view help, uint64_t value);
  void gauge(std::string_view name, std::string_view help, double value);
  // A whole histogram family: name_bucket{le=...}, name_sum, name_count.
  void histogram(std::string_view name, std::string_view help, const LatencyHistogram& h);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // The value as the format writes it: shortest round-trip decimal, or
  // +Inf, -Inf, NaN.
  static std::string format(double v);

 private:
  void name_and_labels(std::string_view name, Labels labels);
  std::string out_;
};

}  // namespace ainet::daemon
