// The routing tables of paper Tables 1-3 and the state of every ANT this AIN
// takes part in:
//   entrance:     (customer tunnel, inner src, inner dst) <-> TVT to AIN_2
//   intermediate: TVT in (from the previous AIN) <-> TVT out (to the next)
//   exit:         TVT from AIN_{n-1} <-> (responder tunnel | local delivery,
//                 inner src, inner dst)
// plus the inbound SPI index (every SA this AIN receives on: PVTs, customer
// tunnels, TVTs). Each ANT records which index entries it owns, so erase()
// removes all of them: no state outlives the ANT.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/cell_queue.h"
#include "core/engine_api.h"
#include "core/flow_shaper.h"
#include "core/handshake.h"
#include "core/onion.h"
#include "core/pending_queue.h"
#include "core/timer_queue.h"
#include "sa/security_association.h"
#include "wire/signaling.h"

namespace ainet::core {

// Who receives on an inbound SPI. Packed to 12 bytes (4-byte aligned), so
// that an index node (next pointer, SPI, SpiRef) is 24 bytes, a 32-byte
// malloc chunk instead of 48: every hop state has one or two (issue 10).
struct [[gnu::packed, gnu::aligned(4)]] SpiRef {
  enum class Kind : uint8_t { pvt, customer, ant_fwd, ant_bwd } kind{};
  uint64_t id = 0;  // PVT index, customer index, or ANT handle
};

// Entrance flow key (paper Table 1): one ANT per customer and inner pair,
// shared by every session between those two addresses.
struct EntranceKey {
  uint32_t customer = 0;
  IpAddress src, dst;
  bool operator==(const EntranceKey&) const = default;
};
// Exit flow key (paper Table 3) as a reply sees it: target 0 = local
// delivery, else the responder's customer id; `local_side` is the address
// the exit put in the source of delivered datagrams (the inner source, or
// its pool address), `remote_side` the responder address.
struct ExitKey {
  uint32_t target = 0;
  IpAddress local_side, remote_side;
  bool operator==(const ExitKey&) const = default;
};
struct EntranceKeyHash {
  size_t operator()(const EntranceKey& k) const;
};
struct ExitKeyHash {
  size_t operator()(const ExitKey& k) const;
};

constexpr int kNoPvt = -1;

// The entrance-only part of an ANT (paper Table 1 side).
struct EntranceState {
  std::vector<NodeId> route;  // current attempt, entrance first
  int attempts = 0;
  bool to_responder = false;
  NodeId responder_exit = 0;
  uint32_t responder_id = 0;
  std::unique_ptr<EntranceHandshake> handshake;  // between CREATE and CREATED
  std::unique_ptr<RouteOnionKeys> route_keys;    // every hop's, from CREATED on
  PendingQueue pending;
  // A route the operator chose (ainctl ant create --route), or a cover ANT's:
  // every attempt uses it instead of a random one.
  std::vector<NodeId> pinned_route;
  // The profile this ANT asks for (CREATE tells the exit) and starts when up.
  ShapingProfile shaping;
  // CREATED did not come back in time (here, not in Ant: only the entrance
  // sets one up, and without it an Ant fits a 256-byte malloc chunk).
  TimerHandle t_setup;
};

// The shaping state of a shaped ANT (shaping.cc): the entrance shapes
// forward, the exit backward. Made by Engine::shaping_start() only for a
// shaped profile, so unshaped ANTs and every relay carry just the pointer
// (issue 10: ~130 bytes per hop state).
struct AntShaping {
  ShapingProfile profile;
  FlowShaper shaper;
  CellQueuePool::Fifo queue;  // real datagrams waiting for a slot
};

// The two SAs of one TVT in one heap block (issue 10: one allocation per TVT
// instead of two, each with its own crypto objects). fwd carries cells away
// from the entrance, bwd towards it.
struct TvtSas {
  sa::SecurityAssociation fwd, bwd;
  // The PVT generation (pvt.h) whose tvt_secret keyed them, and the CREATE
  // key nonce: with the SPIs they re-derive the keys when an operator asks
  // for key export (Engine::tvt_sas), so no second copy of the keys is kept.
  // Here rather than in Ant, so a side without a TVT does not carry them.
  uint32_t pvt_gen = 0;
  std::array<uint8_t, wire::kTvtNonceSize> nonce{};
};

// Fields are grouped by alignment (8-, 4-, then 1-byte) and the flags are
// one-bit fields, so that the ANT of every hop state carries no padding
// (issue 10, memory per ANT hop).
struct Ant {
  uint64_t handle = 0;

  // The TVT SAs towards the previous AIN (fwd = in_fwd, bwd = out_bwd) and
  // towards the next (fwd = out_fwd, bwd = in_bwd); null on the customer /
  // local side and until the TVT is keyed.
  std::unique_ptr<TvtSas> tvt_prev, tvt_next;
  sa::SecurityAssociation* sa_in_fwd() const { return tvt_prev ? &tvt_prev->fwd : nullptr; }
  sa::SecurityAssociation* sa_out_bwd() const { return tvt_prev ? &tvt_prev->bwd : nullptr; }
  sa::SecurityAssociation* sa_out_fwd() const { return tvt_next ? &tvt_next->fwd : nullptr; }
  sa::SecurityAssociation* sa_in_bwd() const { return tvt_next ? &tvt_next->bwd : nullptr; }

  // Onion keys: a relay's layer, or the exit's layer and e2e AEADs (the
  // entrance's, every hop's, are in ent). One heap block, made when the keys
  // are (a pointer, not an optional, so the role that does not use one pays
  // 8 bytes, issue 10).
  std::unique_ptr<HopOnionKeys> hop_keys;    // Role::intermediate
  std::unique_ptr<ExitOnionKeys> exit_keys;  // Role::exit

  // What only the entrance keeps (route, attempts, handshake, pending
  // queue, route keys): AntTable::add() makes it for Role::entrance only, so
  // the relays and the exit, two of every three hop states, do not carry it
  // (issue 10).
  std::unique_ptr<EntranceState> ent;

  // Relay: its CREATED slot, kept until CREATED comes back from the next hop.
  std::unique_ptr<CreatedReply> reply;

  // Shaping (shaping.cc); null: cells go out as datagrams arrive.
  std::unique_ptr<AntShaping> shaped;

  // Time.
  Time created{}, last_active{};
  Duration lifetime{}, idle{};  // 0 = none
  // Every hop: one timer at the earlier of the hard expiry and the next
  // inactivity check (a timer is 40 bytes in the queue, issue 10). The
  // entrance's set-up timer is in ent.
  TimerHandle t_life;

  uint64_t packets_fwd = 0, packets_bwd = 0, bytes_fwd = 0, bytes_bwd = 0;
  uint64_t datagram_bytes_fwd = 0, datagram_bytes_bwd = 0;

  // Neighbours: PVT indices; kNoPvt on the customer / local side.
  int prev_pvt = kNoPvt, next_pvt = kNoPvt;
  // TVT towards the previous AIN: in_fwd (prev -> us), out_bwd (us -> prev).
  // TVT towards the next AIN: out_fwd (us -> next), in_bwd (next -> us).
  uint32_t spi_in_fwd = 0, spi_out_bwd = 0, spi_out_fwd = 0, spi_in_bwd = 0;

  // Entrance (the exit binds inner src/dst too).
  uint32_t customer = 0;  // customer index
  IpAddress inner_src, inner_dst;

  // Exit.
  uint32_t responder = 0;  // customer index of the responder
  IpAddress exposed_src;   // what the destination sees as source

  AntInfo::Role role = AntInfo::Role::intermediate;
  bool up : 1 = false;
  // Exit.
  bool deliver_to_responder : 1 = false;
  bool bound : 1 = false;      // the first datagram fixed inner src/dst
  bool rewritten : 1 = false;  // inner source replaced by exposed_src
  bool owns_pool_address : 1 = false;
  // Index entries this ANT owns (for complete removal).
  bool has_entrance_key : 1 = false, has_exit_key : 1 = false;
  bool owns_spi_in_fwd : 1 = false, owns_spi_in_bwd : 1 = false;
  bool cover : 1 = false;  // entrance: cover traffic built by this AIN
  bool worn_out : 1 = false;  // its e2e key sealed kMaxE2eSeals cells (e2e_aead.h): retire it
};

class AntTable {
 public:
  Ant* find(uint64_t handle);
  // Live ANTs by role (AntInfo::Role as index), kept on add/erase: a metrics
  // scrape reads it without walking the table.
  const std::array<size_t, 3>& role_counts() const { return roles_; }
  // Cells and datagram bytes of every ANT this AIN ever carried, live ones
  // included (monotonic totals for metrics; the ANTs' own counters go when
  // they are erased, so erase() adds them to retired_ first).
  AntTotals totals() const;
  const std::unordered_map<uint64_t, std::unique_ptr<Ant>>& all() const { return ants_; }
  size_t size() const { return ants_.size(); }
  // A new, empty ANT with a fresh handle (never reused).
  Ant& add(AntInfo::Role role, Time now);
  // Removes the ANT and every index entry it owns (SPIs, flow keys, pool
  // address via release_pool). Returns the removed ANT for final cleanup.
  std::unique_ptr<Ant> erase(uint64_t handle);

  // Inbound SPI index.
  bool spi_in_use(uint32_t spi) const { return spis_.count(spi) != 0; }
  bool add_spi(uint32_t spi, SpiRef ref) { return spis_.emplace(spi, ref).second; }
  void remove_spi(uint32_t spi) { spis_.erase(spi); }
  const SpiRef* find_spi(uint32_t spi) const;
  size_t spi_count() const { return spis_.size(); }
  // Registers an ANT's inbound SPIs; false if taken.
  bool claim_spi_in_fwd(Ant& a, uint32_t spi);
  bool claim_spi_in_bwd(Ant& a, uint32_t spi);
  void release_spi_in_bwd(Ant& a);
  void release_spi_in_fwd(Ant& a);

  // Flow tables.
  Ant* find_entrance(const EntranceKey& k);
  bool bind_entrance(Ant& a, const EntranceKey& k);
  Ant* find_exit(const ExitKey& k);
  Ant* find_exit_by_pool(const IpAddress& pool_addr);
  bool bind_exit(Ant& a, const ExitKey& k);
  size_t entrance_count() const { return entrance_.size(); }
  size_t exit_count() const { return exit_.size() + pool_.size(); }
  // Pool address -> ANT (exit local delivery with rewrite).
  void bind_pool(Ant& a, const IpAddress& addr);

 private:
  std::unordered_map<uint64_t, std::unique_ptr<Ant>> ants_;
  std::unordered_map<uint32_t, SpiRef> spis_;
  std::unordered_map<EntranceKey, uint64_t, EntranceKeyHash> entrance_;
  std::unordered_map<ExitKey, uint64_t, ExitKeyHash> exit_;
  std::unordered_map<IpAddress, uint64_t> pool_;
  uint64_t next_handle_ = 1;
  std::array<size_t, 3> roles_{};
  AntTotals retired_;
};

}  // namespace ainet::core
