// ain-endpoint's Prometheus metrics ([metrics] listen in endpoint.toml;
// docs/metrics.md): the tunnel's packets and bytes by direction, every drop
// by reason (the same reasons as `ainctl --socket ... status`), the carrier
// sockets, and the flow table (pairs, aged out, overflow).
#pragma once
#include <string>

#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_control.h"
#include "endpoint/endpoint_datapath.h"
#include "endpoint/flow_table.h"

namespace ainet::endpoint {

std::string endpoint_metrics_text(const EndpointConfig& cfg, const DatapathCounters& dp,
                                  uint64_t sa_drops, const FlowTable& flows,
                                  const EndpointIoCounters& io, double uptime_s);

}  // namespace ainet::endpoint
