// ControlHandler: what the control socket (docs/control.md) asks of the
// daemon. The server turns JSON-lines requests into these typed calls and the
// results back into JSON; the engine adapter implements this interface, so
// the engine plugs in without knowing about sockets or JSON.
//
// Addresses and prefixes are text here ("10.0.0.1", "2001:db8::/32"): this
// layer is for humans and scripts, not the packet path.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ike_rows.h"

namespace ainet::daemon {

inline constexpr int kControlProtocolVersion = 1;

struct StatusInfo {
  uint32_t node_id = 0;
  std::string node_name;
  std::string carrier;  // "ip" | "udp"
  // [network] send_thread (docs/send-thread.md): whether the carrier's sends
  // run on their own thread, and its batches handed over / waits for a free
  // batch (backpressure) / wake-ups of a sleeping send thread.
  bool send_thread = false;
  std::map<std::string, uint64_t> send_pipeline;
  // [network] cpu_latency_us (docs/latency.md): the PM QoS request aind
  // holds, in microseconds; none when it was not asked for or refused.
  std::optional<int> cpu_latency_us;
  int64_t uptime_s = 0;
  uint64_t pvts_up = 0, pvts_total = 0;
  uint64_t ants = 0, customers = 0;
  uint64_t packets_in = 0, packets_out = 0, delivered_local = 0;
  uint64_t ants_created = 0, ants_destroyed = 0, create_failures = 0;
  std::map<std::string, uint64_t> drops;  // by ainet::Errc name; zero counts omitted
  std::optional<int64_t> directory_expires;  // unix seconds
  // Traffic-analysis defences (docs/protocol.md "Shaping"): dummy cells and
  // packets sent/received, shaping-queue drops, cover ANTs built.
  std::map<std::string, uint64_t> shaping;
  // Tickets (docs/protocol.md "Tickets"): verdicts on CREATEs received (one
  // counter per refusal) and the tickets this entrance signed or refused.
  std::map<std::string, uint64_t> tickets;
  // [network] tun_offload: TUN super-packets and segments each way
  // (docs/tun-offload.md); empty when the TUN has no offloads.
  std::map<std::string, uint64_t> tun_offload;
};

struct PvtRow {
  uint32_t peer = 0;
  std::string address;
  bool up = false;
  uint32_t esp_spi_in = 0, esp_spi_out = 0, ah_spi_in = 0, ah_spi_out = 0;
  uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
  int64_t last_seen_ms = -1;  // ms since the last valid packet; -1 = never
  // udp carrier only (0 = ip carrier): the UDP port packets to this peer go
  // to; learned = taken from its last authenticated packet (a NAT mapping,
  // RFC 3948 §3) rather than the configured udp_port.
  uint16_t udp_port = 0;
  bool udp_port_learned = false;
  // docs/ike.md "PVTs": "manual" or "ike"; for ike the newest child SA's
  // generation number (1 = the first), how many are live (2 during a
  // rekey), and the outbound sequence number of the one sent on.
  std::string keying = "manual";
  uint32_t generation = 0, generations_live = 0;
  uint64_t seq_out = 0;
};

// One TVT of an ANT: its link to one neighbour AIN.
struct TvtRow {
  uint64_t ant = 0;
  uint32_t peer = 0;           // neighbour AIN at the other end of the link
  std::string link;            // "next" (towards the exit) | "prev" (towards the entrance)
  std::string direction;       // the link's direction: "fwd" for next, "bwd" for prev (paper §4.3)
  uint32_t spi_in = 0, spi_out = 0;
  // Which cells each SPI carries: "fwd" (towards the exit) or "bwd". On a
  // next link in = bwd, out = fwd; on a prev link in = fwd, out = bwd.
  std::string spi_in_cells, spi_out_cells;
  uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;  // cells on this link
};

struct AntRow {
  uint64_t handle = 0;
  std::string role;  // "entrance" | "intermediate" | "exit"
  bool up = false;
  std::string inner_src, inner_dst;  // entrance/exit only; empty otherwise
  std::string exit_src;              // exit only: source of delivered datagrams (pool address)
  uint32_t responder = 0;            // exit only: registered responder's customer id; 0 = local delivery
  std::vector<uint32_t> route;       // entrance only
  uint32_t prev = 0, next = 0;       // 0 = customer / local delivery
  uint64_t packets_fwd = 0, packets_bwd = 0, bytes_fwd = 0, bytes_bwd = 0;  // cells, same at every hop
  uint64_t datagram_bytes_fwd = 0, datagram_bytes_bwd = 0;  // entrance/exit: inner datagram bytes
  int64_t age_s = 0, idle_s = 0;
  // Shaping at this end (entrance: forward, exit: backward; "off" at
  // intermediates and for unshaped ANTs): profile, current rate, cells sent
  // in its slots (real / dummy), datagrams waiting and refused by the queue.
  std::string shaping = "off";
  uint32_t rate = 0;
  uint64_t cells_real = 0, cells_dummy = 0, queue_drops = 0;
  uint32_t queued = 0;
  bool cover = false;  // entrance: a cover ANT of this AIN (dummies only)
};

struct CustomerRow {
  uint32_t id = 0;
  std::string name;
  std::string role;  // "initiator" | "responder"
  std::string tunnel_address;
  std::vector<std::string> serves;
  uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
  // AIN -> customer shaping (docs/protocol.md "Shaping"), and the dummies
  // the customer sent.
  std::string shaping = "off";
  uint64_t cells_real = 0, cells_dummy = 0, queue_drops = 0, dummies_in = 0;
  uint16_t udp_port = 0;          // as PvtRow
  bool udp_port_learned = false;
};

// One SA as a line of sa.txt (docs/pcap.md): text fields named as there.
// TVT rows also say which ANT, neighbour and direction they belong to, and
// the sequence number reached, which an ESN checker needs (RFC 4303 §2.2.1:
// the high 32 bits never cross the wire).
struct SaRow {
  std::string kind;     // "pvt" | "customer" | "tvt"
  std::string link;     // peer name: "ain<id>" or the customer's name
  std::string proto;    // "esp" | "ah"
  std::string src, dst;
  uint32_t spi = 0;
  std::string encap;    // "none" | "udp:<sport>:<dport>"
  std::string enc, enc_key, auth, auth_key;  // key "-" when none or not exported
  bool inbound = false;
  bool esn = false;
  uint64_t seq = 0;     // tvt: last sent (outbound) or highest accepted (inbound)
  uint64_t ant = 0;     // tvt only
  uint32_t peer = 0;    // pvt/tvt: the neighbour AIN; customer: its id
  std::string direction;  // tvt: "fwd" | "bwd"
};

struct CreateAntRequest {
  uint32_t customer = 0;
  std::string src, dst;          // inner addresses
  std::vector<uint32_t> route;   // empty = the entrance picks one
};

struct DirectoryInfo {
  uint64_t ains = 0;
  int64_t expires = 0;
};

// A refused request. `code` is one of docs/control.md's error codes.
struct ControlError {
  std::string code;  // "not_found" | "invalid" | "failed" | "unavailable"
  std::string message;
};

template <typename T>
struct ControlOutcome {
  std::optional<T> value;
  ControlError error;
  static ControlOutcome ok(T v) { return {std::move(v), {}}; }
  static ControlOutcome fail(std::string code, std::string message) {
    return {std::nullopt, {std::move(code), std::move(message)}};
  }
};
struct Done {};

class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual StatusInfo status() = 0;
  virtual std::vector<PvtRow> list_pvts() = 0;
  virtual std::vector<TvtRow> list_tvts() = 0;
  virtual std::vector<AntRow> list_ants() = 0;
  virtual std::vector<CustomerRow> list_customers() = 0;
  // with_keys: include key material; refused unless key export is on.
  virtual ControlOutcome<std::vector<SaRow>> list_sas(bool with_keys) = 0;
  virtual ControlOutcome<uint64_t> create_ant(const CreateAntRequest& req) = 0;
  virtual ControlOutcome<Done> destroy_ant(uint64_t handle) = 0;
  virtual ControlOutcome<DirectoryInfo> reload_directory() = 0;
  // IKEv2 (docs/ike.md): refused with "unavailable" when there is no [ike].
  virtual ControlOutcome<IkeListing> list_ike() { return no_ike<IkeListing>(); }
  // Rekey / delete an IKE SA by handle, or (child) a child SA by inbound SPI.
  virtual ControlOutcome<Done> ike_rekey(uint64_t /*id*/, bool /*child*/) { return no_ike<Done>(); }
  virtual ControlOutcome<Done> ike_terminate(uint64_t /*id*/, bool /*child*/) { return no_ike<Done>(); }

 protected:
  template <typename T>
  static ControlOutcome<T> no_ike() {
    return ControlOutcome<T>::fail("unavailable", "this node has no [ike] section");
  }
};

}  // namespace ainet::daemon
