#include "daemon/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace ainet::daemon {

void LatencyHistogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;  // le: "less than or equal"
  ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

std::string PrometheusText::format(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  // HELP text escapes backslash and newline.
  for (char c : help) {
    if (c == '\\')
      out_ += "\\\\";
    else if (c == '\n')
      out_ += "\\n";
    else
      out_ += c;
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += type == MetricType::counter ? " counter\n"
          : type == MetricType::gauge ? " gauge\n"
                                      : " histogram\n";
}

void PrometheusText::name_and_labels(std::string_view name, Labels labels) {
  out_ += name;
  if (labels.size() == 0) return;
  out_ += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    for (char c : v) {
      if (c == '\\')
        out_ += "\\\\";
      else if (c == '"')
        out_ += "\\\"";
      else if (c == '\n')
        out_ += "\\n";
      else
        out_ += c;
    }
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusText::sample(std::string_view name, Labels labels, uint64_t value) {
  name_and_labels(name, labels);
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, Labels labels, double value) {
  name_and_labels(name, labels);
  out_ += ' ';
  out_ += format(value);
  out_ += '\n';
}

void PrometheusText::counter(std::string_view name, std::string_view help, uint64_t value) {
  family(name, MetricType::counter, help);
  sample(name, {}, value);
}

void PrometheusText::gauge(std::string_view name, std::string_view help, double value) {
  family(name, MetricType::gauge, help);
  sample(name, {}, value);
}

void PrometheusText::histogram(std::string_view name, std::string_view help,
                               const LatencyHistogram& h) {
  family(name, MetricType::histogram, help);
  const std::string base(name);
  const std::string bucket = base + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += h.buckets()[i];
    const std::string le = format(LatencyHistogram::kBounds[i]);
    sample(bucket, {{"le", le}}, cumulative);
  }
  cumulative += h.buckets().back();
  sample(bucket, {{"le", "+Inf"}}, cumulative);
  sample(base + "_sum", {}, h.sum());
  sample(base + "_count", {}, h.count());
}

}  // namespace ainet::daemon
