// The public, sans-I/O face of the AIN engine. The daemon (io/, daemon/) and
// the simulation (tests/sim/) drive an Engine only through this header:
//   inputs:  handle_packet (a packet from the network), handle_local (a
//            datagram from the exit's TUN), handle_timers (the clock moved);
//   outputs: calls on the Effects the caller passes in.
// No clocks, no sockets, no globals: `now` and the Rng come from outside.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/e2e_aead.h"
#include "core/shaping_profile.h"
#include "core/ticket_config.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::core {

using NodeId = uint32_t;
using wire::IpAddress;
using wire::IpPrefix;

// How TVT cells cross inter-AIN links (docs/protocol.md "TVT data cell").
enum class Carrier : uint8_t {
  ip,   // outer IP | AH | cell, raw IP protocol 51 (and 50 for PVT ESP)
  udp,  // UDP 4500 | ESP (RFC 3948); TVTs are ESP-NULL since UDP cannot carry AH
};

// The integrity transform of every TVT (docs/protocol.md "TVT data cell"):
// AH on the ip carrier, integrity-only ESP on udp, with either MAC. Every AIN
// of a network must use the same one, as with the carrier. AES-GMAC
// (RFC 4543) costs about a third of HMAC-SHA-256 per byte on CPUs with
// AES-NI and carry-less multiply (docs/protocol.md has the measurement).
enum class TvtIntegrity : uint8_t {
  aes256_gmac,      // RFC 4543: AH AUTH_AES_256_GMAC / ESP ENCR_NULL_AUTH_AES_GMAC
  hmac_sha256_128,  // RFC 4868: AH / ESP-NULL (RFC 2410) with HMAC-SHA-256-128
};

// Manual keys of one direction of an ESP+AH bundle (PVT or customer tunnel).
struct BundleKeys {
  uint32_t esp_spi = 0;
  Bytes esp_key;  // AES-256-GCM key || 4-byte salt (RFC 4106 §8.1 KEYMAT)
  uint32_t ah_spi = 0;
  Bytes ah_key;   // HMAC-SHA-256-128 key, 32 bytes (RFC 4868)
};

struct PvtConfig {
  NodeId peer = 0;
  BundleKeys out;       // this AIN -> peer
  BundleKeys in;        // peer -> this AIN
  Bytes tvt_secret;     // 32 bytes shared by both ends; TVT key derivation
  // Keyed at run time by IKEv2 (docs/ike.md "PVTs"): no manual keys; the
  // PVT is down until Engine::pvt_sa_up installs its first child SA and the
  // peer is heard on it. Needs the udp carrier (the child SA is ESP in UDP).
  bool ike = false;
};

// A registered customer: an initiator or a responder host with an ESP+AH
// tunnel to this AIN (paper §4.4, §5.1).
struct CustomerConfig {
  uint32_t id = 0;              // unique per AIN; responder ids are named in CREATE
  std::string name;
  IpAddress tunnel_address;     // the customer's real (outer) address
  BundleKeys out;               // AIN -> customer
  BundleKeys in;                // customer -> AIN
  std::vector<IpPrefix> serves; // responder: inner destination prefixes it serves
  // Keyed at run time by IKEv2 (docs/ike.md "Customer tunnels"): no manual
  // keys, no tunnel_address until Engine::customer_sa_up installs a child SA.
  bool ike = false;
};

// A registered responder behind another AIN's exit (paper §4.4, §5.3). The
// directory does not list customers, so an entrance learns from its own
// configuration which destinations must be carried to which exit and named in
// CREATE (flag "deliver to registered responder" + responder id).
struct RemoteResponder {
  NodeId exit = 0;
  uint32_t responder_id = 0;
  std::vector<IpPrefix> serves;  // inner destinations reached through it
};

// Traffic-analysis defences of paper §5.4 at this AIN (docs/protocol.md
// "Shaping"). Everything defaults to off.
struct ShapingConfig {
  // ANTs this AIN builds as entrance: cells forward at this profile; the
  // exit, told in its CREATE slot, sends backward at the same profile.
  ShapingProfile ant;
  // This AIN -> its customers' tunnels (initiators at the entrance,
  // registered responders at the exit): slots with dummies (ESP next header
  // 59, RFC 4303 §2.6) when no datagram waits.
  ShapingProfile customer;
  // Every customer-tunnel packet carries exactly max_cell_datagram(cell_size)
  // bytes of ESP payload (the datagram, then TFC padding, RFC 4303 §2.7).
  bool pad_customer = false;
  size_t queue = 64;    // real datagrams waiting per shaped flow; more are dropped and counted
  size_t pool = 8192;   // datagram slots shared by every shaped flow of this AIN
  // Cover traffic on PVT links: this AIN keeps at least this many ANTs on
  // each of its PVT links, building shaped ANTs that carry only dummies
  // where real ones are missing (0 = none).
  size_t cover_ants = 0;
};

struct EngineConfig {
  NodeId self = 0;
  crypto::PrivateKey onion_private;  // X25519 static key ("b")
  Carrier carrier = Carrier::ip;
  TvtIntegrity tvt_integrity = TvtIntegrity::aes256_gmac;
  size_t cell_size = 1400;
  E2eAead e2e_aead = kDefaultE2eAead;  // every AIN of a network: the same
  // Cells one ANT's e2e key may seal before the ANT is replaced
  // (e2e_aead.h kMaxE2eSeals, the bound for random nonces; the onion code
  // refuses more whatever this says). Lower only to test the replacement.
  uint64_t e2e_seal_limit = kMaxE2eSeals;
  size_t route_length = 3;           // AINs including entrance and exit
  Duration setup_timeout = Duration::s(3);
  int setup_attempts = 3;
  Duration ant_lifetime = Duration::s(3600);   // hard expiry (0 = none)
  Duration inactivity_timeout = Duration::s(120);
  Duration keepalive_interval = Duration::s(1);
  size_t max_ants = 100000;          // resource bound at this AIN
  size_t pending_queue = 8;          // datagrams held per ANT under construction
  std::vector<PvtConfig> pvts;
  std::vector<CustomerConfig> customers;
  std::vector<IpPrefix> exit_pool;   // local-delivery source pool (v4 and/or v6)
  std::vector<RemoteResponder> remote_responders;  // entrance: responders behind other exits
  uint32_t replay_window = 1024;     // PVT/customer SA anti-replay window (multiple of 64)
  // Each TVT SA's window. A TVT carries one ANT on one link, whose cells
  // leave in sequence order (one socket, one flow), so RFC 4303 §3.4.3's
  // default of 64 suffices and keeps the window inside the SA: no 144-byte
  // block per inbound TVT SA (issue 10, memory per ANT hop).
  uint32_t tvt_replay_window = 64;
  // How long an AIN on a failed route is avoided by the next attempts.
  Duration failed_node_penalty = Duration::s(30);
  ShapingConfig shaping;
  // IKE-keyed PVTs: once the outbound sequence number of a generation passes
  // this, EventKind::pvt_rekey asks the caller to rekey its child SA, long
  // before the 32-bit space (RFC 4303 §3.3.3) runs out.
  uint64_t pvt_rekey_seq = 0xC0000000u;
  // Time-slice tickets (paper §5.4 "Ticket"; docs/protocol.md "Tickets").
  // With tickets.enabled every hop checks the ticket of each CREATE, and an
  // entrance signs one per CREATE with ticket_key (whose public half is this
  // AIN's ticket_key in the directory) within its customers' quotas.
  TicketConfig tickets;
  crypto::BlindRsaPrivateKey ticket_key;
};

// What the engine asks its environment to do.
class Effects {
 public:
  virtual ~Effects() = default;
  // Send a packet to an IPsec peer. ip carrier: a complete outer IP packet.
  // udp carrier: the UDP payload (ESP) for dst port 4500.
  virtual void send_packet(const IpAddress& dst, ByteSpan packet) = 0;
  // An IKE customer's UDP-encapsulated ESP (RFC 3948; docs/ike.md): the UDP
  // payload for the customer's NAT-T port. The udp carrier sends it like
  // any packet; on the ip carrier it leaves from the IKE node's port 4500.
  virtual void send_encap_packet(const IpAddress& dst, ByteSpan packet) { send_packet(dst, packet); }
  // Hand a datagram to the local IP stack (exit local delivery, via TUN).
  virtual void deliver_local(ByteSpan datagram) = 0;
  // Optional notifications for logs, ainctl and tests.
  virtual void on_event(const struct EngineEvent&) {}
  // The packet being handled was authenticated by one of this AIN's SAs
  // (PVT, customer tunnel or TVT) and came from `src`. Called before any reply
  // to it is sent. The udp carrier learns a peer's current UDP source port
  // here, so replies reach a peer behind NAT: RFC 3948 §3 keys NAT-T on the
  // address *and* port, and (as RFC 7296 §2.23 says for IKE) a mapping may only
  // be updated from an authenticated packet, never from a forged one.
  virtual void peer_authenticated(const IpAddress& /*src*/) {}
};

// pvt_rekey: an IKE PVT's outbound SA passed EngineConfig::pvt_rekey_seq;
// `spi` is the inbound SPI of its child SA (ike::IkeEngine::rekey_child).
enum class EventKind : uint8_t { ant_up, ant_down, ant_failed, pvt_up, pvt_down, pvt_rekey };
struct EngineEvent {
  EventKind kind{};
  uint64_t ant = 0;      // local ANT handle (0 if n/a)
  NodeId peer = 0;       // for PVT events
  uint8_t reason = 0;    // docs/protocol.md reason codes
  // ant_up at the entrance only: from the first CREATE attempt to CREATED
  // (every retry included), for the set-up latency histogram; -1 elsewhere.
  Duration setup{-1};
  uint32_t spi = 0;  // pvt_rekey only
};

struct AntInfo {
  uint64_t handle = 0;
  enum class Role : uint8_t { entrance, intermediate, exit } role{};
  bool up = false;
  IpAddress inner_src, inner_dst;        // entrance/exit only
  // Exit only: the source its delivered datagrams carry (this ANT's own pool
  // address, or inner_src for a registered responder / when not rewritten).
  std::optional<IpAddress> exit_src;
  // Exit only: the id of the registered responder customer it delivers to
  // (paper §5.3), or 0 for local delivery through the TUN.
  uint32_t responder = 0;
  std::vector<NodeId> route;             // entrance only (full path)
  NodeId prev = 0, next = 0;             // neighbours on the path (0 = customer/local)
  uint32_t spi_in_fwd = 0, spi_out_fwd = 0, spi_in_bwd = 0, spi_out_bwd = 0;
  // Cells carried on this ANT's TVTs, counted the same way at every hop (a
  // cell is cell_size bytes everywhere), so the counters of the hops of one
  // ANT can be compared to find where cells were lost.
  uint64_t packets_fwd = 0, packets_bwd = 0, bytes_fwd = 0, bytes_bwd = 0;
  // Entrance and exit only: bytes of the customer's IP datagrams inside those
  // cells (what the applications sent); 0 at intermediates, which never see them.
  uint64_t datagram_bytes_fwd = 0, datagram_bytes_bwd = 0;
  Time created{}, last_active{};
  // Shaping (docs/protocol.md "Shaping"): the entrance shapes its forward
  // cells, the exit its backward cells; intermediates relay what comes.
  bool cover = false;               // entrance: built by this AIN as cover traffic
  ShapingProfile shaping;           // off at intermediates and for unshaped ANTs
  uint32_t shaping_rate = 0;        // cells/s now (adaptive: the current level)
  uint64_t cells_real = 0, cells_dummy = 0;  // cells this end sent in its slots
  uint64_t queue_drops = 0;         // real datagrams refused by a full queue
  uint32_t queued = 0;              // real datagrams waiting for a slot
  uint32_t level_changes = 0;       // adaptive: rate changes so far
};

// One TVT security association of a live ANT, for independent checking of
// captures (docs/pcap.md "sa.txt"). Each TVT is a pair of SAs (fwd, bwd) on
// one inter-AIN link; an AIN holds two pairs for an ANT it relays.
struct TvtSaInfo {
  uint64_t ant = 0;
  NodeId peer = 0;       // the AIN at the other end of the link
  bool forward = false;  // carries cells towards the exit
  bool inbound = false;  // this AIN receives on it
  uint32_t spi = 0;
  IpAddress src, dst;    // outer addresses of the packets it protects
  Carrier carrier = Carrier::ip;  // ip: AH; udp: integrity-only ESP
  TvtIntegrity integrity = TvtIntegrity::aes256_gmac;  // the MAC of either
  uint64_t seq = 0;      // last sequence number sent (outbound) or the highest accepted (inbound)
  // Only when asked for (key export): HMAC key (32 bytes), or AES-GMAC
  // KEYMAT = key(32) || salt(4) (RFC 4543 §8.1).
  std::optional<Secret<36>> key;
};

// Cells of all ANTs at this AIN, counted as AntInfo counts them (each cell
// once per direction), live and gone ones together: monotonic.
struct AntTotals {
  uint64_t cells_fwd = 0, cells_bwd = 0, cell_bytes_fwd = 0, cell_bytes_bwd = 0;
  uint64_t datagram_bytes_fwd = 0, datagram_bytes_bwd = 0;  // entrance/exit only
};

struct EngineStats {
  uint64_t packets_in = 0, packets_out = 0, delivered_local = 0;
  uint64_t ants_created = 0, ants_destroyed = 0, create_failures = 0;
  std::vector<uint64_t> drops;  // indexed by ainet::Errc (size kErrcCount)
  // Drops that need a finer name than their Errc (each is also in drops[]).
  uint64_t source_mismatch = 0;   // customer packet from another outer address (auth_failed)
  uint64_t unknown_destroy = 0;   // DESTROY naming no live ANT (not_found)
  uint64_t pending_dropped = 0;   // queued datagrams of an ANT that never came up (limit)
  uint64_t unexpected_signal = 0; // signal in the wrong state or from the wrong PVT (unsupported)
  uint64_t dummy_cells = 0;       // cover-traffic cells received and discarded (not a drop)
  uint64_t not_routable = 0;      // customer datagram to/from a link-scoped or special address (unsupported)
  // Shaping (docs/protocol.md "Shaping").
  uint64_t dummy_cells_sent = 0;    // dummy cells this AIN put on ANTs (entrance fwd, exit bwd)
  uint64_t queue_drops = 0;         // real datagrams refused by a full shaping queue (limit)
  uint64_t customer_dummies_in = 0; // dummy packets (next header 59) from customers, discarded
  uint64_t customer_dummies_out = 0;// dummy packets this AIN sent to its customers
  uint64_t cover_ants_built = 0;    // cover ANTs this AIN started
  // Tickets (docs/protocol.md "Tickets"): verdicts on CREATEs received, and
  // tickets this entrance signed or refused.
  TicketStats tickets;
  TicketIssuerStats tickets_issued;
  uint64_t cells_over_quota = 0;    // customer datagrams beyond quota_cells (over_quota)
  std::array<size_t, 3> ants_by_role{};  // live ANTs, indexed by AntInfo::Role
  AntTotals ant_totals;
};

// ainctl views.
struct PvtInfo {
  NodeId peer = 0;
  IpAddress address;
  bool up = false;
  uint64_t packets_in = 0, packets_out = 0, drops = 0;
  uint64_t bytes_in = 0, bytes_out = 0;  // signaling packets on the wire (outer bytes)
  std::optional<Time> last_heard;        // last authenticated packet from the peer
  size_t ants = 0;  // ANTs that use this PVT's link
  bool ike = false;                  // keyed by IKEv2 (else manual keys)
  uint32_t generation = 0;           // IKE: number of the newest child SA (0: none yet)
  uint32_t generations_live = 0;     // IKE: 1, or 2 during a rekey
  uint32_t spi_in = 0, spi_out = 0;  // the generation we send on (ESP SPIs)
  uint64_t seq_out = 0;              // its last outbound sequence number
};
struct CustomerInfo {
  uint32_t id = 0;
  std::string name;
  IpAddress tunnel_address;
  uint64_t packets_in = 0, packets_out = 0, drops = 0;
  size_t ants = 0;  // ANTs entering (initiator) or leaving (responder) through it
  // Shaping of this AIN -> customer tunnel (docs/protocol.md "Shaping").
  ShapingProfile shaping;
  uint64_t cells_real = 0, cells_dummy = 0, queue_drops = 0;
  uint32_t queued = 0;
  uint64_t dummies_in = 0;  // dummy packets the customer sent (next header 59)
};

// Sizes of every table the engine holds, for leak assertions: after all ANTs
// are gone, everything but the configured baseline (PVTs, customers, their
// SPIs and keepalive timers) must be back to zero.
struct StateCounts {
  size_t ants = 0, spis = 0, entrance_flows = 0, exit_flows = 0, pool_addresses = 0;
  size_t timers = 0, tvt_sas = 0;
  size_t shaped_flows = 0, queued = 0;  // shaping slots scheduled, datagrams waiting in them
  size_t total() const {
    return ants + spis + entrance_flows + exit_flows + pool_addresses + timers + tvt_sas +
           shaped_flows + queued;
  }
  bool operator==(const StateCounts&) const = default;
};

}  // namespace ainet::core
