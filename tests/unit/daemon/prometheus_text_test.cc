// The Prometheus text exposition format as aind and ain-endpoint write it:
// HELP/TYPE before the samples, escaping, cumulative histogram buckets, and
// the set-up latency / failure-reason counters fed by engine events.
#include "daemon/prometheus_text.h"

#include <gtest/gtest.h>

#include "daemon/aind_metrics.h"

namespace ainet::daemon {
namespace {

TEST(PrometheusText, FamiliesSamplesAndEscaping) {
  PrometheusText m;
  m.family("ainet_x_total", MetricType::counter, "Help with a \\ backslash\nand a newline.");
  m.sample("ainet_x_total", {{"reason", "a\"b\\c\nd"}, {"peer", "2"}},
           uint64_t{18446744073709551615u});
  m.gauge("ainet_g", "A gauge.", 0.25);
  m.counter("ainet_c_total", "A counter.", 7);
  EXPECT_EQ(m.text(),
            "# HELP ainet_x_total Help with a \\\\ backslash\\nand a newline.\n"
            "# TYPE ainet_x_total counter\n"
            "ainet_x_total{reason=\"a\\\"b\\\\c\\nd\",peer=\"2\"} 18446744073709551615\n"
            "# HELP ainet_g A gauge.\n"
            "# TYPE ainet_g gauge\n"
            "ainet_g 0.25\n"
            "# HELP ainet_c_total A counter.\n"
            "# TYPE ainet_c_total counter\n"
            "ainet_c_total 7\n");
}

TEST(PrometheusText, FloatFormatting) {
  EXPECT_EQ(PrometheusText::format(1), "1");
  EXPECT_EQ(PrometheusText::format(0.005), "0.005");
  EXPECT_EQ(PrometheusText::format(1.0 / 0.0), "+Inf");
  EXPECT_EQ(PrometheusText::format(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(PrometheusText::format(0.0 / 0.0), "NaN");
}

// Buckets are cumulative on output, "le" is inclusive, +Inf holds everything.
TEST(PrometheusText, HistogramBucketsAreCumulative) {
  LatencyHistogram h;
  h.observe(0.005);  // exactly on a bound: in le="0.005"
  h.observe(0.02);
  h.observe(0.02);
  h.observe(3);
  h.observe(100);  // beyond the last bound: only +Inf
  PrometheusText m;
  m.histogram("ainet_ant_setup_seconds", "Set-up.", h);
  const std::string& t = m.text();
  EXPECT_NE(t.find("# TYPE ainet_ant_setup_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"0.01\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"0.025\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"2.5\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"5\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"30\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_sum 103.045\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ainet_ant_setup_seconds_count 5\n"), std::string::npos) << t;
}

// Only the entrance's ant_up carries a set-up time; failures count by reason.
TEST(AindMetricsCounters, RecordsSetupTimesAndFailureReasons) {
  AindMetricsCounters c;
  core::EngineEvent up;
  up.kind = core::EventKind::ant_up;
  up.setup = Duration::ms(40);
  c.record(up);
  up.setup = Duration{-1};  // a relay's or exit's ant_up
  c.record(up);
  core::EngineEvent failed;
  failed.kind = core::EventKind::ant_failed;
  failed.reason = 9;  // timeout
  c.record(failed);
  failed.reason = 200;  // not a reason code: not counted anywhere
  c.record(failed);
  EXPECT_EQ(c.setup_seconds.count(), 1u);
  EXPECT_DOUBLE_EQ(c.setup_seconds.sum(), 0.04);
  EXPECT_EQ(c.create_failed[9], 1u);
  uint64_t all = 0;
  for (uint64_t n : c.create_failed) all += n;
  EXPECT_EQ(all, 1u);
  EXPECT_STREQ(signal_reason_name(6), "no_route");
  EXPECT_STREQ(signal_reason_name(9), "timeout");
  EXPECT_STREQ(signal_reason_name(10), "no_ticket");
  EXPECT_STREQ(signal_reason_name(15), "over_quota");
  EXPECT_STREQ(signal_reason_name(16), "unknown");
}

}  // namespace
}  // namespace ainet::daemon
