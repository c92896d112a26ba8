// ain-endpoint's metrics: every drop reason of the control socket's status
// is a sample (zero included), the counters carry the datapath's numbers,
// and the flow table's size, expiries and overflow are there.
#include "endpoint/endpoint_metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace ainet::endpoint {
namespace {

TEST(EndpointMetrics, EveryCounterAndReasonIsASample) {
  auto cfg = parse_endpoint_config(R"([endpoint]
name = "alice"
ain_address = "10.200.0.1"
tunnel_address = "10.200.1.1"
inner_addresses = ["10.99.0.1"]
routes = ["10.200.4.0/24"]
  [endpoint.out]
  esp_spi = 0x1001
  esp_key = "16f3b675aa587eae39567696ec663c10867226169d26efa2d953b1786cd36991d9d7e90a"
  ah_spi = 0x1002
  ah_key = "e6f42c0fe7f72da0caa6469f022d24ac7d1f61bca7622da2f45376991e212947"
  [endpoint.in]
  esp_spi = 0x2001
  esp_key = "147fa7e94ac67f1a4f0164fa1eccb83802bc74079b84f0e36d48adbc1bf78b6f10f40959"
  ah_spi = 0x2002
  ah_key = "2308c6766171c7168f2de498ce758e537f639c0be5ed89b195618ade72ecb80a"
)",
                                   "endpoint.toml");
  ASSERT_TRUE(cfg.ok) << cfg.error;
  DatapathCounters dp;
  dp.sealed = 12;
  dp.opened = 11;
  dp.sealed_bytes = 1200;
  dp.not_from_ain = 3;
  dp.open_failed_by[static_cast<size_t>(Errc::replay)] = 2;
  EndpointIoCounters io{4, 12, 1, 11, 0};
  io.carrier_bytes_sent = 2000;
  FlowTable flows(8);
  Bytes p(28, 0);
  p[0] = 0x45;
  p[12] = 10, p[13] = 99, p[15] = 1, p[16] = 10, p[17] = 200, p[18] = 4, p[19] = 2;
  ASSERT_TRUE(flows.record(p, Time::from_s(1)));
  const std::string t = endpoint_metrics_text(cfg.config, dp, 2, flows, io, 5.5);
  for (const char* line :
       {"ainet_endpoint_packets_total{direction=\"out\"} 12\n",
        "ainet_endpoint_packets_total{direction=\"in\"} 11\n",
        "ainet_endpoint_bytes_total{direction=\"out\"} 1200\n",
        "ainet_endpoint_carrier_bytes_total{direction=\"out\"} 2000\n",
        "ainet_endpoint_drops_total{reason=\"tun_io\"} 4\n",
        "ainet_endpoint_drops_total{reason=\"carrier_send\"} 1\n",
        "ainet_endpoint_drops_total{reason=\"not_from_ain\"} 3\n",
        "ainet_endpoint_drops_total{reason=\"open_replay\"} 2\n",
        "ainet_endpoint_drops_total{reason=\"open_auth_failed\"} 0\n",
        "ainet_endpoint_sa_drops_total 2\n", "ainet_endpoint_flows 1\n",
        "ainet_endpoint_flows_expired_total 0\n", "ainet_endpoint_uptime_seconds 5.5\n",
        "# TYPE ainet_endpoint_drops_total counter\n"})
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  // Every sample's family was declared just before (HELP and TYPE once each).
  EXPECT_EQ(t.find("# TYPE ainet_endpoint_drops_total"),
            t.rfind("# TYPE ainet_endpoint_drops_total"));
  EXPECT_EQ(t.find("open_ok"), std::string::npos);  // Errc::ok is no drop
}

}  // namespace
}  // namespace ainet::endpoint
