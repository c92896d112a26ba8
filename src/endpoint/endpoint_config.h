// The customer endpoint's configuration file (TOML), as tests/e2e/gen_configs.py
// writes it: the host's side of its ESP+AH tunnel to its AIN (paper §4.4,
// §5.1). Read once at start.
//
//   [endpoint]  name, role ("initiator" | "responder"), anonymity_option (1 | 2),
//               ain_address, tunnel_address, carrier ("ip" | "udp"), udp_port,
//               tun_name, tun_mtu, tun_offload, inner_addresses (list), routes (list),
//               flow_idle_timeout (duration, default "120s")
//   [endpoint.out] / [endpoint.in]  esp_spi, esp_key | esp_key_file,
//               ah_spi, ah_key | ah_key_file (key files: chmod 600)
//   [endpoint.ike]  instead of out/in: IKEv2 with the AIN
//               (endpoint/endpoint_ike_config.h, docs/ike.md)
//   [control]   socket
//   [shaping]   profile ("off" | "constant" | "adaptive"), rate, levels,
//               interval, pad, queue (docs/protocol.md "Shaping")
//   [metrics]   listen ("127.0.0.1:9549"; off when absent)
//   [process]   user (switch to it after set-up; io/privileges.h)
// docs/man/endpoint.toml.5.md documents every key.
//
// Every refusal is one message naming the file, the line and the field, in
// the style of aind's loader (src/daemon/config.h), e.g.
//   endpoint.toml:9: endpoint.tun_mtu: expected 576..9000, got 70
// Unknown keys are refused, so a typo never silently means "default".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine_api.h"
#include "ike/ike_config.h"
#include "io/socket_address.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::endpoint {

enum class Role : uint8_t { initiator, responder };

// [endpoint.ike]: the tunnel is keyed by IKEv2 (this host initiates).
inline constexpr const char* kIkePeer = "ain";  // the engine's name for the AIN
struct EndpointIke {
  bool enabled = false;
  uint16_t port = 500;    // IKE_SA_INIT goes from and to this port
  ike::IkeConfig engine;  // one peer: kIkePeer
};

struct EndpointConfig {
  std::string name;
  Role role = Role::initiator;
  // Paper §4.4: 1 = the inner source is a random private address, which the
  // endpoint assigns to its TUN; 2 = the host's real address (already on the
  // host, so the TUN gets none).
  int anonymity_option = 1;
  wire::IpAddress ain_address;     // the AIN's outer address
  wire::IpAddress tunnel_address;  // this host's outer address
  core::Carrier carrier = core::Carrier::ip;
  uint16_t udp_port = 4500;        // RFC 3948 §3.1
  std::string tun_name = "ainc0";
  int tun_mtu = 1300;
  // IFF_VNET_HDR with TSO/checksum offload on the TUN (docs/tun-offload.md):
  // the host's TCP hands over 64 KB super-packets, cut here at tun_mtu.
  // On by default: bench/e2e measured it faster and cheaper per byte.
  bool tun_offload = true;
  // endpoint.busy_poll_us: bounded busy polling of the event loop after a
  // wake-up that found packets (io/event_loop.h set_busy_poll); 0 = off.
  int busy_poll_us = 0;
  // endpoint.cpu_latency_us: a PM QoS CPU wake-up latency request held while
  // the endpoint runs (io/cpu_latency_qos.h), as aind's [network]
  // cpu_latency_us; -1 (the default): none.
  int cpu_latency_us = -1;
  std::vector<wire::IpAddress> inner_addresses;
  std::vector<wire::IpPrefix> routes;  // prefixes routed into the TUN
  core::BundleKeys out;                // host -> AIN (manual keys)
  core::BundleKeys in;                 // AIN -> host (manual keys)
  EndpointIke ike;                     // or IKEv2; then out/in are unused
  std::string control_socket;          // "" when [control] is absent
  // This host -> AIN shaping (paper §5.4): datagrams leave in the slots of
  // `shaping`, a slot with none waiting carries a dummy (ESP next header 59,
  // RFC 4303 §2.6); `pad` pads every ESP payload to tun_mtu bytes with TFC
  // padding (RFC 4303 §2.7); `queue` datagrams may wait.
  core::ShapingProfile shaping;
  bool pad = false;
  size_t queue = 64;
  Duration flow_idle_timeout = Duration::s(120);  // pairs idle this long leave the flow table
  std::optional<io::SocketAddress> metrics_listen;  // [metrics] listen; unset = off
  std::string run_as_user;                          // [process] user; "" = stay uid 0 (no capabilities)
};

struct EndpointConfigLoad {
  bool ok = false;
  std::string error;  // when !ok: "<file>:<line>: <field>: <what is wrong>"
  EndpointConfig config;
};

// `base_dir` resolves relative key file paths ("" = the current directory).
EndpointConfigLoad parse_endpoint_config(std::string_view text, std::string_view file_name,
                                         const std::string& base_dir = "");
EndpointConfigLoad load_endpoint_config(const std::string& path);

}  // namespace ainet::endpoint
