// The AIN engine (paper §4-§5, docs/protocol.md): PVTs, ANT set-up with one
// nested CREATE, onion data path, teardown, timers. Sans-I/O: every input
// carries `now`, every output is a call on the caller's Effects, randomness
// comes from the Rng given to create() (it must outlive the Engine).
//
// Effects are called synchronously from inside the entry points; an Effects
// implementation must not call back into the same Engine (queue instead).
//
// One Engine is one AIN, which can be entrance, intermediate and exit at once
// (paper §5.4). Nothing on the data path allocates: packets are opened and
// sealed in buffers sized in create().
//
// The member functions live in one file per concern (engine.cc lists them;
// docs/architecture.md follows a datagram and a CREATE through them).
#pragma once
#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/ant_table.h"
#include "core/cell_queue.h"
#include "core/directory.h"
#include "core/engine_api.h"
#include "core/exit_pool.h"
#include "core/pvt.h"
#include "core/slot_schedule.h"
#include "core/ticket_issuer.h"
#include "core/ticket_verifier.h"
#include "core/timer_queue.h"
#include "core/tunnel_bundle.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "wire/signaling.h"

namespace ainet::core {

class Engine {
 public:
  // Checks the configuration against the directory (self and every PVT peer
  // listed, cell size, route length, keys) and keys every PVT and customer SA.
  static Result<std::unique_ptr<Engine>> create(EngineConfig cfg,
                                                std::shared_ptr<const Directory> dir,
                                                crypto::Rng& rng, Time now);

  // A packet from the network. ip carrier: a whole IP packet (protocol 51);
  // the outer source is read from it. udp carrier: the UDP payload received
  // on port 4500, with the sender's address.
  void handle_packet(Time now, ByteSpan packet, Effects& fx);
  void handle_packet(Time now, const IpAddress& src, ByteSpan packet, Effects& fx);
  // A UDP-encapsulated ESP packet (RFC 3948 §2.1, the UDP payload) from
  // `src` on the IKE node's port 4500: only IKE customers' child SAs are
  // looked up (on the ip carrier nothing else of ours is UDP-encapsulated).
  // The udp carrier delivers these through handle_packet as well.
  void handle_encap_packet(Time now, const IpAddress& src, ByteSpan packet, Effects& fx);
  // A datagram from the exit's TUN: a reply to a locally delivered datagram.
  void handle_local(Time now, ByteSpan datagram, Effects& fx);
  // Runs every timer due at `now`.
  void handle_timers(Time now, Effects& fx);
  Time next_deadline() const { return std::min(timers_.next(), slots_.next()); }

  // Explicit ANT creation (ainctl); normally the first datagram of a
  // customer creates its ANT. Returns the entrance handle; the ANT is up when
  // Effects::on_event reports ant_up for it.
  // `route` (optional, entrance first) pins the path instead of a random one:
  // it is checked like a picked route (route_selection.h check_route), and
  // every attempt uses it. Errc::exists if an ANT for (customer, src, dst)
  // already runs on another route.
  Result<uint64_t> create_ant(Time now, uint32_t customer_id, const IpAddress& src,
                              const IpAddress& dst, Effects& fx,
                              std::span<const NodeId> route = {});
  // Tears an ANT down at any role, sending DESTROY(requested) both ways.
  Errc destroy_ant(Time now, uint64_t handle, Effects& fx);
  // DESTROY every live ANT (SIGTERM).
  void shutdown(Time now, Effects& fx);
  // New directory (SIGHUP): used for routes from now on. PVT addresses and
  // keys stay as created.
  void set_directory(std::shared_ptr<const Directory> dir);
  // Wall-clock time for tickets' time slices (docs/protocol.md "Tickets"):
  // the engine runs on the caller's monotonic `now`; this says which unix
  // second `now` is. Call at start and whenever the wall clock may have
  // been stepped; until then unix time is taken to be 0 + now.
  void set_wall_clock(Time now, uint64_t unix_seconds);

  // IKE customers (CustomerConfig::ike; customer_sa.cc, docs/ike.md
  // "Customer tunnels"): an IKEv2 child SA of customer `id` is up; its
  // datagrams enter ANTs like a manually keyed customer's. `remote` is the
  // customer's outer address; out/in have Framing::udp. A rekey's new SA is
  // sent on at once, the one it replaces stays accepted until
  // customer_sa_down names it. not_found: no such IKE customer;
  // exists: the inbound SPI is taken here (the caller deletes the child).
  // `inner`: the addresses assigned to it by CP, the only inner sources its
  // datagrams may carry (empty: not checked).
  Status customer_sa_up(uint32_t id, const IpAddress& remote, const sa::SaConfig& out,
                        const sa::SaConfig& in, std::vector<IpAddress> inner = {});
  // The child SA with inbound SPI spi_in is gone (deleted, expired, rekeyed).
  Status customer_sa_down(uint32_t id, uint32_t spi_in);
  // Packets authenticated so far on the IKE-keyed tunnel SA whose inbound
  // SPI is spi_in (the current or the replaced generation); nullopt when no
  // such SA is installed. The daemon turns growth into an IKE liveness sign
  // (RFC 7296 §1.4: ESP from the peer proves it alive).
  std::optional<uint64_t> tunnel_packets_in(uint32_t spi_in) const;

  // IKE-keyed PVTs (PvtConfig::ike; pvt_sa.cc, docs/ike.md "PVTs"): a child
  // SA with the peer is up; it becomes the PVT's newest generation, keyed
  // with `tvt_secret` (ike::ChildSaUp::extra_keymat). out/in have
  // Framing::udp; `remote` must be the peer's directory address. The
  // generation it replaces stays accepted (and is sent on until the peer is
  // heard on the new one) until pvt_sa_down names it. The PVT comes up when
  // the peer is first heard on a generation. not_found: no IKE PVT to
  // `peer`; exists: the inbound SPI is taken (the caller deletes the child).
  // `peer_has_it`: we requested the child SA (ike::ChildSaUp::requested),
  // so the peer has installed it and we send on it at once.
  Status pvt_sa_up(NodeId peer, const IpAddress& remote, const sa::SaConfig& out,
                   const sa::SaConfig& in, const Secret<32>& tvt_secret, bool peer_has_it);
  // The child SA with inbound SPI spi_in is gone. When it was the last
  // generation the PVT is down: every ANT over it is torn down.
  Status pvt_sa_down(Time now, NodeId peer, uint32_t spi_in, Effects& fx);

  std::vector<AntInfo> ants() const;
  EngineStats stats() const;
  std::vector<PvtInfo> pvts() const;
  std::vector<CustomerInfo> customers() const;
  // Every TVT SA of every live ANT; with_keys re-derives and includes the
  // integrity keys (operator key export for capture checking, docs/pcap.md).
  std::vector<TvtSaInfo> tvt_sas(bool with_keys) const;
  StateCounts state_counts() const;
  size_t state_size() const { return state_counts().total(); }

  ~Engine();

 private:
  Engine(EngineConfig cfg, std::shared_ptr<const Directory> dir, crypto::Rng& rng);
  Status init(Time now);

  // Names every engine file uses unqualified in its member functions.
  using Role = AntInfo::Role;
  using SignalCommand = wire::SignalCommand;
  using SignalReason = wire::SignalReason;
  using SignalingMessage = wire::SignalingMessage;

  struct Customer {
    CustomerConfig cfg;
    TunnelBundle bundle;
    // IKE customers (customer_sa.cc): the child SA a rekey replaced, still
    // accepted until its ChildSaDown (RFC 7296 §2.8); never sent on.
    TunnelBundle previous;
    // IKE customers: the inner addresses assigned by CP (RFC 7296 §3.15);
    // the child SA's TSi is narrowed to them, so (RFC 4301 §5.2) a datagram
    // from any other inner source is dropped. Empty: no check.
    std::vector<IpAddress> ike_inner;
    uint64_t packets_in = 0, packets_out = 0, drops = 0;
    // This AIN -> customer shaping (shaping.cc), when [shaping.customer] is on.
    FlowShaper shaper;
    CellQueuePool::Fifo queue;
    uint64_t dummies_in = 0;
    // [tickets] quota_cells: datagrams sent into ANTs in cells_slice, and
    // the token bucket that spreads them over the slice (tickets.cc).
    uint64_t cells_slice = 0;
    uint32_t cells_in_slice = 0;
    double cell_tokens = -1;  // < 0: bucket not started
    Time tokens_at{};
  };

  // engine.cc: inbound dispatch by SPI.
  void dispatch(Time now, const IpAddress& src, ByteSpan packet, Effects& fx);
  int pvt_index(NodeId peer) const;
  void drop(Errc e) { ++drops_[static_cast<size_t>(e)]; }
  // A packet on a PVT or customer tunnel: from the configured outer address
  // and opened by its bundle, else dropped and counted (also on `drops`).
  Result<sa::OpenedPacket> open_tunnel(TunnelBundle& b, const IpAddress& expected,
                                       const IpAddress& src, MutByteSpan pkt, uint64_t& drops);

  // signaling.cc: PVT packets, CREATE/CREATED/CREATE_FAILED/DESTROY.
  void on_pvt_packet(Time now, size_t pvt, uint32_t spi, const IpAddress& src, MutByteSpan pkt,
                     Effects& fx);
  // `gen`: the PVT generation whose inbound SA opened the message (pvt.h).
  void on_signal(Time now, size_t pvt, const PvtGeneration& gen, const wire::SignalingMessage& m,
                 Effects& fx);
  void on_create(Time now, size_t pvt, const PvtGeneration& gen, const wire::SignalingMessage& m,
                 Effects& fx);
  void on_created(Time now, size_t pvt, Ant& a, const wire::SignalingMessage& m, Effects& fx);
  void on_create_failed(Time now, size_t pvt, Ant& a, wire::SignalReason why, Effects& fx);
  void on_destroy(Time now, size_t pvt, const wire::SignalingMessage& m, Effects& fx);
  void send_signal(size_t pvt, wire::SignalCommand cmd, wire::SignalReason why, uint32_t spi,
                   Effects& fx);
  void send_signal_msg(size_t pvt, const wire::SignalingMessage& m, Effects& fx);
  // Sends DESTROY(why) to the neighbours flagged, then removes all state.
  void teardown(Time now, Ant& a, wire::SignalReason why, bool tell_prev, bool tell_next,
                Effects& fx);

  // ant_setup.cc: the entrance builds an ANT, with retries.
  Ant* start_ant(Time now, size_t cust, const IpAddress& src, const IpAddress& dst, Effects& fx,
                 Errc* why, std::span<const NodeId> route = {});
  Errc attempt_route(Time now, Ant& a, Effects& fx);
  void attempt_failed(Time now, Ant& a, wire::SignalReason why, bool destroy_partial, Effects& fx);
  void entrance_up(Time now, Ant& a, Effects& fx);
  bool usable(NodeId id, const Ant* a, Time now) const;

  // tvt.cc: TVT SPIs, keys and SAs; inbound cells; relaying.
  uint32_t fresh_spi();
  // Fills the new-TVT fields of CREATE `c` (SPIs, key nonce, initial
  // sequence numbers), claims the inbound SPI and keys a's TVT to PVT pvt.
  Status offer_tvt(Ant& a, size_t pvt, wire::SignalingMessage& c);
  // `gen`: the PVT generation whose tvt_secret keys it (the one the CREATE
  // travels on, pvt.h).
  Status make_tvt(Ant& a, bool towards_prev, size_t pvt, const PvtGeneration& gen, ByteSpan nonce,
                  uint32_t spi_fwd, uint32_t spi_bwd, uint64_t seq_fwd, uint64_t seq_bwd);
  void seal_and_send_tvt(sa::SecurityAssociation& sa, size_t pvt, ByteSpan cell, Effects& fx);
  // Wraps one cell of ANT a into cell_: forward at the entrance, backward at
  // the exit. False when it could not, the drop counted: `limit` once its
  // e2e key has sealed cfg_.e2e_seal_limit cells (the ANT is then retired,
  // retire_worn_out), else `invalid_argument`.
  [[nodiscard]] bool wrap_cell(Time now, Ant& a, bool forward, CellType type, ByteSpan dgram);
  // cell_, just wrapped for `forward` (else backward), counted and sent on
  // the ANT's outbound TVT that way.
  void send_cell(Time now, Ant& a, bool forward, size_t datagram_len, Effects& fx);
  void on_tvt_packet(Time now, Ant& a, bool forward, const IpAddress& src, MutByteSpan pkt,
                     Effects& fx);
  // The last layer came off (exit forward, entrance backward): false if the
  // cell is dropped or a dummy (counted), else its datagram is counted.
  bool cell_datagram(const Result<CellPayload>& p, uint64_t& datagram_bytes);

  // entrance.cc: customer tunnels and the entrance's cells.
  void on_customer_packet(Time now, size_t cust, const IpAddress& src, MutByteSpan pkt,
                          Effects& fx);
  void customer_datagram(Time now, size_t cust, MutByteSpan dgram, Effects& fx);
  int customer_index(uint32_t id) const;
  void customer_control(Time now, size_t cust, ByteSpan msg, Effects& fx);
  void send_forward(Time now, Ant& a, ByteSpan dgram, Effects& fx);
  void entrance_cell(Time now, Ant& a, MutByteSpan cell, Effects& fx);
  void send_to_customer(Customer& c, ByteSpan dgram, wire::IpFamily family, Effects& fx);

  // exit.cc: exit delivery and replies.
  void exit_cell(Time now, Ant& a, MutByteSpan cell, Effects& fx);
  void exit_deliver(Time now, Ant& a, MutByteSpan dgram, Effects& fx);
  void send_backward(Time now, Ant& a, MutByteSpan dgram, Effects& fx);

  // shaping.cc: dummy traffic at a constant or adaptive rate (paper §5.4),
  // customer-link padding, cover ANTs.
  static constexpr uint64_t kCustomerSlot = uint64_t{1} << 63;  // SlotSchedule key bit
  void shaping_start(Time now, Ant& a, const ShapingProfile& p);
  void shaping_stop(Ant& a);
  // A real datagram for a shaped ANT waits for its next slot (counted and
  // dropped when the queue is full).
  void shaping_enqueue(Ant& a, ByteSpan dgram);
  void run_slots(Time now, Effects& fx);
  void ant_slot(Time now, Ant& a, Effects& fx);
  void customer_slot(Time now, size_t ci, Effects& fx);
  // Seals one payload (datagram, or nothing for a dummy) into a customer
  // tunnel, TFC-padded when [shaping] pad_customer is on.
  void seal_to_customer(Customer& c, ByteSpan payload, uint8_t nh, Effects& fx);
  void cover_check(Time now, Effects& fx);

  // tickets.cc: time-slice tickets (paper §5.4 "Ticket").
  uint64_t unix_now(Time now) const;
  Status init_tickets();
  // Entrance: signs the ticket of a's next CREATE (Errc::over_quota when
  // the customer's quota for this slice is used up).
  Status ticket_for(Time now, const Ant& a, wire::SignalingMessage& c);
  // Entrance: false (and counted) when the customer is over quota_cells.
  bool within_cell_quota(Time now, Customer& c);

  // expiry.cc: timers and ANT removal.
  void remove_ant(Ant& a);
  void touch(Time now, Ant& a);
  void arm_lifetime(Time now, Ant& a);
  void arm_life_timer(Time next_check, Ant& a);
  void retire_worn_out(Time now, Ant& a);
  void on_timer(Time now, const TimerKey& k, Effects& fx);
  void pvt_down(Time now, size_t pvt, Effects& fx);

  EngineConfig cfg_;
  std::shared_ptr<const Directory> dir_;
  crypto::Rng& rng_;
  // The onion key (b, B) with its DH context made once (one DH per CREATE).
  crypto::X25519StaticKey onion_;
  IpAddress self_addr_;

  std::vector<Pvt> pvts_;
  std::vector<Customer> customers_;
  AntTable ants_;
  TimerQueue timers_;
  ExitPool pool_;
  // AIN id -> time until which it is avoided by route selection.
  std::vector<std::pair<NodeId, Time>> penalties_;

  // Tickets: the entrance's signing side and every hop's checker (null
  // when [tickets] is off / this AIN has no ticket key).
  std::unique_ptr<TicketIssuer> issuer_;
  std::unique_ptr<TicketVerifier> verifier_;
  int64_t unix_offset_s_ = 0;  // unix seconds at monotonic time 0

  // Shaping: queued datagrams of every shaped flow, and their next slots.
  CellQueuePool cell_pool_;
  SlotSchedule slots_;
  TimerHandle t_cover_;

  // Pre-sized packet buffers (nothing on the data path allocates).
  Bytes rx_, tx_, cell_, pad_;
  // Signaling plaintext: sized so a signaling packet has the length of a
  // TVT cell packet on this carrier (signaling_size(), docs/protocol.md).
  Bytes sig_;
  size_t max_datagram_ = 0;

  EngineStats stats_;
  std::vector<uint64_t> drops_;
};

}  // namespace ainet::core
