#include "endpoint/endpoint_metrics.h"

#include "daemon/prometheus_text.h"
#include "util/result.h"

namespace ainet::endpoint {

std::string endpoint_metrics_text(const EndpointConfig& cfg, const DatapathCounters& dp,
                                  uint64_t sa_drops, const FlowTable& flows,
                                  const EndpointIoCounters& io, double uptime_s) {
  using daemon::MetricType;
  daemon::PrometheusText m;
  m.family("ainet_endpoint_info", MetricType::gauge,
           "This customer endpoint: name, role, carrier, anonymity option, version (value 1).");
  const std::string option = std::to_string(cfg.anonymity_option);
  m.sample("ainet_endpoint_info",
           {{"name", cfg.name},
            {"role", cfg.role == Role::initiator ? "initiator" : "responder"},
            {"carrier", cfg.carrier == core::Carrier::ip ? "ip" : "udp"},
            {"anonymity_option", option},
            {"version", kEndpointVersion}},
           uint64_t{1});
  m.gauge("ainet_endpoint_uptime_seconds", "Seconds since ain-endpoint started.", uptime_s);

  m.family("ainet_endpoint_packets_total", MetricType::counter,
           "Inner datagrams through the tunnel to the AIN: out = sealed and sent, in = opened and "
           "delivered.");
  m.sample("ainet_endpoint_packets_total", {{"direction", "out"}}, dp.sealed);
  m.sample("ainet_endpoint_packets_total", {{"direction", "in"}}, dp.opened);
  m.family("ainet_endpoint_bytes_total", MetricType::counter,
           "Bytes of those inner datagrams, by direction.");
  m.sample("ainet_endpoint_bytes_total", {{"direction", "out"}}, dp.sealed_bytes);
  m.sample("ainet_endpoint_bytes_total", {{"direction", "in"}}, dp.opened_bytes);
  m.family("ainet_endpoint_carrier_packets_total", MetricType::counter,
           "Packets through the carrier sockets (ESP+AH or UDP-encapsulated ESP), by direction.");
  m.sample("ainet_endpoint_carrier_packets_total", {{"direction", "out"}}, io.carrier_sent);
  m.sample("ainet_endpoint_carrier_packets_total", {{"direction", "in"}}, io.carrier_received);
  m.family("ainet_endpoint_carrier_bytes_total", MetricType::counter,
           "Bytes through the carrier sockets, by direction.");
  m.sample("ainet_endpoint_carrier_bytes_total", {{"direction", "out"}}, io.carrier_bytes_sent);
  m.sample("ainet_endpoint_carrier_bytes_total", {{"direction", "in"}}, io.carrier_bytes_received);

  // The same reasons as the control socket's status (docs/control.md), every
  // one listed, zero included; open failures by ainet::Errc as open_<name>.
  m.family("ainet_endpoint_drops_total", MetricType::counter, "Packets dropped, by reason.");
  const std::pair<const char*, uint64_t> fixed[] = {{"tun_io", io.tun_dropped},
                                                    {"bad_inner", dp.bad_inner},
                                                    {"link_scoped", dp.link_scoped},
                                                    {"seal_failed", dp.seal_failed},
                                                    {"carrier_send", io.carrier_send_dropped},
                                                    {"carrier_recv", io.carrier_recv_dropped},
                                                    {"not_from_ain", dp.not_from_ain},
                                                    {"not_esp", dp.not_esp},
                                                    {"too_big", dp.too_big},
                                                    {"not_ip", dp.not_ip},
                                                    {"shaping_queue", io.shaping_queue_drops}};
  for (const auto& [reason, n] : fixed)
    m.sample("ainet_endpoint_drops_total", {{"reason", reason}}, n);
  for (size_t e = 1; e < dp.open_failed_by.size(); ++e) {
    const std::string reason = "open_" + std::string(to_string(static_cast<Errc>(e)));
    m.sample("ainet_endpoint_drops_total", {{"reason", reason}}, dp.open_failed_by[e]);
  }
  // endpoint.tun_offload: TUN reads refused by the virtio header checks.
  if (io.tun_offload)
    io.tun_offload->for_each_drop([&](const std::string& why, uint64_t n) {
      m.sample("ainet_endpoint_drops_total", {{"reason", why}}, n);
    });
  m.family("ainet_endpoint_dummies_total", MetricType::counter,
           "ESP dummy packets (next header 59, shaping), by direction.");
  m.sample("ainet_endpoint_dummies_total", {{"direction", "out"}}, dp.dummies_sent);
  m.sample("ainet_endpoint_dummies_total", {{"direction", "in"}}, dp.dummies_received);
  m.counter("ainet_endpoint_sa_drops_total",
            "Packets the tunnel's SAs refused (ICV, replay, SPI); included in the open_* drops.",
            sa_drops);

  m.gauge("ainet_endpoint_flows", "Inner (source, destination) pairs in the flow table.",
          static_cast<double>(flows.size()));
  m.counter("ainet_endpoint_flows_expired_total",
            "Pairs aged out after flow_idle_timeout without a datagram.", flows.expired());
  m.counter("ainet_endpoint_flow_overflows_total",
            "Datagrams whose new pair did not fit: the flow table was full.", flows.overflow());
  return m.take();
}

}  // namespace ainet::endpoint
