// The aind configuration file (TOML; examples/aind.toml documents every key).
// It is read once at start: node identity, manual keys of the PVTs and
// customer tunnels, directory, carrier, ANT parameters, control socket, TUN,
// logging. It maps into core::EngineConfig for the engine plus the daemon's
// own settings.
//
// Every refusal is one message naming the file, the line and the field, e.g.
//   aind.toml:17: pvt[1].in.esp_key: expected 72 hex characters (AES-256-GCM key + salt), got 70
// Unknown keys are refused too, so a typo never silently means "default".
// Array indices in messages count from 0 (pvt[0] is the first [[pvt]]).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/engine_api.h"
#include "crypto/kex.h"
#include "daemon/ike_settings.h"
#include "daemon/ticket_config.h"
#include "io/socket_address.h"

namespace ainet::daemon {

enum class LogLevel : uint8_t { trace, debug, info, warn, error, off };
std::string_view to_string(LogLevel l);

struct AindConfig {
  // Engine part: node id, onion key, carrier, ANT parameters, PVTs, customers
  // and responders, exit pool.
  core::EngineConfig engine;

  std::string node_name;               // for logs and ainctl; default "ain<id>"
  crypto::PrivateKey identity_seed;    // Ed25519 seed; empty if not configured
  crypto::PublicKey identity_public{}; // derived from the seed (when present)
  crypto::PublicKey onion_public{};    // derived from engine.onion_private

  std::string directory_file;          // absolute, or relative to the config file's directory
  crypto::PublicKey authority_key{};   // Ed25519 public key that signs the directory

  uint16_t udp_port = 4500;            // udp carrier (RFC 3948 §3.1)
  std::string tun_name = "ain0";
  int tun_mtu = 1500;
  // [network] tun_offload: the exit's TUN with IFF_VNET_HDR and TSO
  // (docs/tun-offload.md): super-packets both ways, cut at the cell size.
  // On by default: bench/e2e measured it faster and cheaper per byte.
  bool tun_offload = true;
  // [network] send_thread: the carrier's send system calls on a thread of
  // their own (docs/send-thread.md), so a node uses a second core. Off by
  // default: on the 2-core bench/e2e bed no aind is CPU-bound and the
  // thread measured no gain there, at +2-5 % CPU per byte (the doc's table).
  bool send_thread = false;
  // [network] busy_poll_us: bounded busy polling of the event loop after a
  // wake-up that found packets (io/event_loop.h set_busy_poll), in
  // microseconds; 0 (the default) blocks in epoll_wait at once.
  int busy_poll_us = 0;
  // [network] cpu_latency_us: a CPU wake-up latency request to the kernel's
  // PM QoS held while aind runs (io/cpu_latency_qos.h, docs/latency.md),
  // 0..10000 microseconds; -1 (the default) makes none. Machine-wide and
  // costly in power, so only when asked.
  int cpu_latency_us = -1;
  std::string control_socket = "/run/ainet/aind.sock";
  // list_sas may return keys (docs/pcap.md); for test beds and debugging
  // only: anyone with the socket can then decrypt captures of this AIN.
  bool export_keys = false;
  LogLevel log_level = LogLevel::info;

  // [ike] and each [[customer]]'s `ike` table: customers that connect with
  // a stock IKEv2 client (daemon/ike_settings.h, docs/ike.md).
  IkeSettings ike;

  // [tickets]: time-slice tickets (daemon/ticket_config.h).
  TicketSettings tickets;
  // [metrics] listen: where GET /metrics is served (Prometheus text format,
  // docs/metrics.md); unset = no metrics endpoint.
  std::optional<io::SocketAddress> metrics_listen;
  // [process] user: switch to this user once the sockets and TUN are open
  // (io/privileges.h); "" = stay root, still without any capability.
  std::string run_as_user;
};

struct ConfigLoad {
  bool ok = false;
  std::string error;  // when !ok: "<file>:<line>: <field>: <what is wrong>"
  AindConfig config;
};

// Reads and checks the file. Relative paths inside it (key files, the
// directory) are taken relative to the file's directory.
ConfigLoad load_config(const std::string& path);

// Same, from text. `file_name` is what messages call the file; `base_dir`
// resolves relative paths ("" = current directory).
ConfigLoad parse_config(std::string_view text, std::string_view file_name, const std::string& base_dir);

}  // namespace ainet::daemon
