// The customer endpoint's control commands (docs/control.md "ain-endpoint"):
// what an operator of an endpoint asks, in the manner of `wg show` — role,
// anonymity option, AIN, carrier, tunnel SPIs, uptime, packet counters, drops
// by reason, TUN, and the inner flows sent. Same socket framing and JSON-lines
// protocol as aind's: daemon::ControlServer moves the lines, this file turns a
// request line into a response line.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_datapath.h"
#include "endpoint/flow_table.h"
#include "ike/ike_engine.h"
#include "io/tun_offload_io.h"

namespace ainet::endpoint {

inline constexpr const char* kEndpointVersion = "0.1.0";

// Counters kept outside the datapath: the TUN and the carrier sockets.
struct EndpointIoCounters {
  uint64_t tun_dropped = 0;                             // TUN read/write refused or truncated
  uint64_t carrier_sent = 0, carrier_send_dropped = 0;  // packets to the AIN
  uint64_t carrier_received = 0, carrier_recv_dropped = 0;
  uint64_t carrier_bytes_sent = 0, carrier_bytes_received = 0;
  // [shaping] (docs/protocol.md "Shaping"): datagrams sent in slots, the
  // queue's refusals and what still waits.
  uint64_t shaped_sent = 0, shaping_queue_drops = 0, queued = 0;
  // endpoint.tun_offload: super-packets and segments each way, and TUN reads
  // refused by why (included in tun_dropped); unset without offloads.
  std::optional<io::TunOffloadCounters> tun_offload;
};

struct FlowRow {
  std::string src, dst;  // inner addresses as sent
  uint64_t packets_out = 0, bytes_out = 0, packets_in = 0, bytes_in = 0;
};

// endpoint.ike: the IKE SAs with the AIN (docs/ike.md "ain-endpoint over IKEv2").
struct EndpointIkeChildRow {
  uint32_t spi_in = 0, spi_out = 0;
  bool udp_encap = false;
  int64_t age_s = -1, rekey_in_s = -1;
  uint32_t rekeys = 0;
};
struct EndpointIkeSaRow {
  uint64_t handle = 0;
  std::string state, local, remote, virtual_ip;
  int64_t age_s = -1, rekey_in_s = -1;
  uint32_t rekeys = 0;
  std::vector<EndpointIkeChildRow> children;
};
struct EndpointIkeStatus {
  std::vector<EndpointIkeSaRow> sas;
  std::map<std::string, uint64_t> counters;
  std::string last_failure;  // why the last IKE SA went down ("" if none did)
};
// Reads the engine's view (`now`: the monotonic clock, for ages).
EndpointIkeStatus endpoint_ike_status(const ike::IkeEngine& engine, Time now,
                                      const std::string& last_failure);

struct EndpointStatus {
  std::string name;
  std::string role;  // "initiator" | "responder"
  int anonymity_option = 1;
  std::string ain_address, tunnel_address;
  std::string carrier;  // "ip" | "udp"
  uint16_t udp_port = 0;
  std::string tun_name;
  int tun_mtu = 0;
  std::vector<std::string> inner_addresses, routes;
  uint32_t esp_spi_out = 0, esp_spi_in = 0;
  // None on the udp carrier: RFC 3948 carries ESP alone.
  std::optional<uint32_t> ah_spi_out, ah_spi_in;
  int64_t uptime_s = 0;
  uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;  // inner datagrams
  uint64_t carrier_packets_in = 0, carrier_packets_out = 0;
  std::map<std::string, uint64_t> drops;  // by reason (docs/control.md)
  std::vector<FlowRow> flows;
  uint64_t flows_overflow = 0;  // datagrams whose new pair did not fit: the table was full
  uint64_t flows_expired = 0;   // pairs aged out after flow_idle_timeout
  // This host -> AIN shaping: the profile, datagrams sent in slots, dummies
  // sent and received (next header 59), queue refusals, datagrams waiting.
  std::string shaping = "off";
  bool padded = false;
  std::map<std::string, uint64_t> shaping_counters;
  std::map<std::string, uint64_t> tun_offload;  // endpoint.tun_offload (EndpointIoCounters)
  // endpoint.cpu_latency_us: the PM QoS request held, none when off or refused.
  std::optional<int> cpu_latency_us;
  std::optional<EndpointIkeStatus> ike;  // endpoint.ike only ("ike": null otherwise)
};

// Collects the status from the endpoint's state.
EndpointStatus endpoint_status(const EndpointConfig& cfg, const DatapathCounters& dp,
                               const FlowTable& flows, const EndpointIoCounters& io,
                               int64_t uptime_s);

// What the control socket asks of a running endpoint.
class EndpointControlHandler {
 public:
  virtual ~EndpointControlHandler() = default;
  virtual EndpointStatus status() = 0;
};

// Handles one request line (without its '\n') and returns the response line
// (without '\n'): `version`, `status`, `list_flows`. Never throws; a bad
// request gets `bad_request`, any other command `unknown_command`.
std::string dispatch_endpoint_control_line(EndpointControlHandler& handler, std::string_view line);

}  // namespace ainet::endpoint
