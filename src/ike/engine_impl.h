// Internal state of IkeEngine (ike_engine.h), shared by the files that
// implement it: ike_engine.cc (dispatch, timers, sending, tables),
// exchange_init.cc, exchange_auth.cc, exchange_child.cc,
// exchange_rekey_ike.cc, exchange_info.cc, engine_views.cc. Not part of the
// public interface.
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "crypto/kex.h"
#include "ike/address_pool.h"
#include "ike/cookie.h"
#include "ike/ike_engine.h"
#include "ike/keys.h"
#include "ike/message.h"
#include "ike/payloads.h"
#include "ike/sk.h"

namespace ainet::ike {

// What an outstanding or queued request of ours is for.
enum class Task : uint8_t {
  ike_init,
  ike_auth,
  create_child,
  rekey_child,
  rekey_ike,
  delete_child,
  delete_ike,
  dpd,  // an empty INFORMATIONAL (§1.4 liveness check)
};

struct ChildSa {
  enum class State : uint8_t {
    installed,
    rekeying,  // our CREATE_CHILD_SA rekey for it is outstanding
    rekeyed,   // replaced by a rekeyed child; the peer or we delete it next
    deleting,  // our Delete for it is outstanding
  };
  uint32_t spi_in = 0, spi_out = 0;
  uint16_t key_bits = 0;
  bool esn = false;
  std::vector<TrafficSelector> ts_local, ts_remote;
  Time established{}, rekey_at = Time::max(), expire_at = Time::max();
  uint32_t rekeys = 0;
  State state = State::installed;
  bool replaced = false;  // a rekeyed successor is installed: its end is a rekey, not a loss
};

// A request of ours waiting for its response (window size 1, §2.3), with
// everything needed to retransmit it and to finish the exchange.
struct Outstanding {
  Task task{};
  uint8_t exchange = 0;
  uint32_t message_id = 0;
  Bytes wire;  // the datagram payload as sent (marker included)
  UdpEndpoint local, remote;
  int retransmits = 0;
  Duration interval{};
  Time next_send{};
  // Exchange context.
  Bytes nonce;                              // our Ni (CREATE_CHILD_SA)
  std::optional<crypto::X25519KeyPair> dh;  // our KE (CREATE_CHILD_SA with PFS / IKE rekey)
  Proposal offered;
  uint32_t new_spi_in = 0;                  // child SA being created
  uint32_t old_spi_in = 0;                  // child SA being rekeyed
  uint64_t new_ike_spi = 0;                 // IKE SA rekey: our new SPIi
  std::vector<uint32_t> delete_spis;        // our inbound SPIs being deleted
  std::vector<TrafficSelector> ts_i, ts_r;  // proposed
  bool pfs_retry_done = false;
};

struct QueuedTask {
  Task task{};
  uint32_t spi_in = 0;         // rekey_child / delete_child
  std::vector<uint32_t> spis;  // delete_child
  bool operator==(const QueuedTask&) const = default;
};
inline constexpr size_t kMaxQueuedTasks = 16;

// A rekey collision recorded while our own rekey was outstanding
// (§2.8.1 child SA, §2.8.2 IKE SA): the peer's exchange's nonces and what it
// created.
struct ChildCollision {
  uint32_t old_spi_in = 0;        // the child both sides rekeyed
  uint32_t their_new_spi_in = 0;  // the child their exchange created (our inbound SPI)
  Bytes their_ni, our_nr;
};
struct IkeCollision {
  uint64_t their_new_handle = 0;
  Bytes their_ni, our_nr;
};

struct IkeSa {
  uint64_t handle = 0;
  int peer = -1;           // index into config.peers; -1 until IKE_AUTH names it (responder)
  bool initiator = false;  // original initiator of this IKE SA (I flag, §3.1)
  IkeState state = IkeState::init_sent;
  bool announced = false;  // ike_sa_up was emitted
  uint64_t spi_i = 0, spi_r = 0;
  UdpEndpoint local, remote;
  bool nat_local = false, nat_remote = false;
  uint16_t key_bits = 0;
  IkeSaKeys keys;
  std::unique_ptr<SkCipher> tx, rx;

  // IKE_SA_INIT material, dropped once IKE_AUTH is done (§2.15 needs it).
  Bytes ni, nr, init_request, init_response, cookie;
  std::optional<crypto::X25519KeyPair> dh;
  int cookie_retries = 0;
  uint32_t auth_child_spi_in = 0;  // initiator: the child proposed in IKE_AUTH
  std::vector<TrafficSelector> auth_ts_i, auth_ts_r;
  Proposal auth_child_offer;

  // Message IDs (§2.3).
  uint32_t next_request_id = 0;
  uint32_t expected_request_id = 0;
  Bytes last_response;  // answer to expected_request_id - 1, resent on a retransmission
  bool has_last_response = false;
  std::optional<Outstanding> out;
  std::deque<QueuedTask> queue;

  std::vector<ChildSa> children;
  std::vector<ChildCollision> child_collisions;
  std::optional<IkeCollision> ike_collision;
  uint64_t successor = 0;  // the IKE SA that replaced this one (rekeyed)
  // §2.8.2: made by the peer's rekey while ours was outstanding: it may turn
  // out redundant (then it never gets the children); `redundant` once known.
  bool collision_candidate = false;
  bool redundant = false;

  Time created{}, established_at{}, last_heard{};
  Time rekey_at = Time::max(), expire_at = Time::max(), half_open_until = Time::max();
  Time keepalive_at = Time::max(), retire_at = Time::max();
  uint32_t rekeys = 0;
  std::optional<wire::IpAddress> vip4, vip6;
  Identity remote_id;
  // Responder: the (SPIi, remote) key of init_index, to find a retransmitted
  // IKE_SA_INIT (§2.1) and to erase the entry with the SA.
  std::optional<UdpEndpoint> init_key;

  Time scheduled = Time::max();  // its entry in Impl::timers

  uint64_t our_spi() const { return initiator ? spi_i : spi_r; }
  ChildSa* child_by_in(uint32_t spi);
  ChildSa* child_by_out(uint32_t spi);
};

// The decrypted, decoded content of one protected message.
struct Incoming {
  IkeHeader header;
  UdpEndpoint local, remote;
  Bytes plain;  // owns what `p` points into
  DecodedPayloads p;
};

struct IkeEngine::Impl {
  Impl(IkeConfig c, crypto::Rng& r);

  IkeConfig config;
  crypto::Rng& rng;
  CookieJar cookies;
  AddressPool pool4, pool6;
  IkeCounters counters;
  std::map<uint64_t, std::unique_ptr<IkeSa>> sas;  // by handle
  std::unordered_map<uint64_t, uint64_t> by_spi;   // our IKE SPI -> handle
  std::map<std::pair<uint64_t, std::pair<wire::IpAddress, uint16_t>>, uint64_t>
      init_index;                                      // (SPIi, remote) -> handle
  std::unordered_map<uint32_t, uint64_t> child_index;  // child spi_in -> handle
  std::set<std::pair<Time, uint64_t>> timers;          // (deadline, handle)
  uint64_t next_handle = 1;
  size_t half_open = 0;
  Time cookie_rotate_at = Time::max();
  Time reported_deadline = Time::max();

  // ---- tables and timers (ike_engine.cc) ----
  IkeSa* find(uint64_t handle);
  // A new IKE SA with our SPI (fresh when 0) registered in by_spi.
  IkeSa& create_sa(Time now, bool initiator, uint64_t our_spi = 0);
  uint64_t fresh_ike_spi();
  uint32_t fresh_child_spi();
  void reschedule(IkeSa& sa);
  void remove_sa(IkeSa& sa, IkeDownReason reason, Effects& fx);
  // The reason an IKE SA that is being deleted goes down with: redundant,
  // rekeyed (it has a successor), or `otherwise`.
  static IkeDownReason gone(const IkeSa& sa, IkeDownReason otherwise);
  void fire(Time now, IkeSa& sa, Effects& fx);
  void report_deadline(Effects& fx);
  Time jittered(Time base, Duration soft);
  const PeerConfig* peer_of(const IkeSa& sa) const;

  // ---- sending (ike_engine.cc) ----
  void send_raw(const UdpEndpoint& local, const UdpEndpoint& remote, ByteSpan ike_message,
                Effects& fx);
  // Seals and sends a request (window 1) and arms its retransmission.
  Status send_request(Time now, IkeSa& sa, Outstanding o, uint8_t first_inner, ByteSpan inner,
                      Effects& fx);
  // Seals and sends a response to the request in `in`, caching it (§2.1).
  void send_response(IkeSa& sa, const Incoming& in, uint8_t first_inner, ByteSpan inner,
                     Effects& fx);
  void send_error_response(IkeSa& sa, const Incoming& in, NotifyType t, ByteSpan data, Effects& fx);
  void kick(Time now, IkeSa& sa, Effects& fx);  // start the next queued task
  void enqueue(Time now, IkeSa& sa, QueuedTask t, Effects& fx);
  // Queues without starting (the caller kicks later); bounded by
  // kMaxQueuedTasks, duplicates ignored.
  static void queue_task(IkeSa& sa, QueuedTask t);

  // ---- dispatch (ike_engine.cc) ----
  void on_datagram(Time now, const UdpEndpoint& local, const UdpEndpoint& remote, ByteSpan payload,
                   Effects& fx);
  void on_protected(Time now, IkeSa& sa, const ParsedMessage& m, const UdpEndpoint& local,
                    const UdpEndpoint& remote, Effects& fx);
  void drop(DropReason r) { ++counters.drops[static_cast<size_t>(r)]; }
  void set_state(IkeSa& sa, IkeState s);
  // An established IKE SA: emit ike_sa_up, arm lifetimes, liveness, keepalives.
  void establish(Time now, IkeSa& sa, Effects& fx);

  // ---- IKE_SA_INIT (exchange_init.cc) ----
  Status start_initiator(Time now, IkeSa& sa, Effects& fx);
  void on_init_request(Time now, const ParsedMessage& m, const UdpEndpoint& local,
                       const UdpEndpoint& remote, ByteSpan raw, Effects& fx);
  void on_init_response(Time now, IkeSa& sa, const ParsedMessage& m, const UdpEndpoint& local,
                        const UdpEndpoint& remote, ByteSpan raw, Effects& fx);
  // An unprotected IKE_SA_INIT answer carrying one notify (COOKIE,
  // NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, ...), keeping no state (§2.6).
  void send_init_notify(const IkeHeader& req, const UdpEndpoint& local, const UdpEndpoint& remote,
                        NotifyType t, ByteSpan data, Effects& fx);
  Status derive_init_keys(IkeSa& sa, ByteSpan peer_ke);
  void send_init_request(Time now, IkeSa& sa, Effects& fx);

  // ---- IKE_AUTH (exchange_auth.cc) ----
  void send_auth_request(Time now, IkeSa& sa, Effects& fx);
  void on_auth_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx);
  void on_auth_response(Time now, IkeSa& sa, const Incoming& in, Effects& fx);

  // ---- child SAs (exchange_child.cc) ----
  void start_create_child(Time now, IkeSa& sa, uint32_t rekey_spi_in, Effects& fx,
                          bool force_pfs = false);
  void on_create_child_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx);
  void on_create_child_response(Time now, IkeSa& sa, const Incoming& in, Outstanding& o,
                                Effects& fx);
  // Responder side of a child negotiation (IKE_AUTH or CREATE_CHILD_SA):
  // appends SA/TS (and CP in IKE_AUTH) or an error notify to `inner`.
  // Returns the new child's inbound SPI, or 0 when no child was made.
  uint32_t answer_child(Time now, IkeSa& sa, const DecodedPayloads& p, bool in_ike_auth,
                        ByteSpan ni, ByteSpan nr, ByteSpan shared, uint32_t replaces,
                        PayloadChainWriter& w, Bytes& inner, Effects& fx);
  // Installs a negotiated child SA and emits child_sa_up.
  // key_in/key_out: KEYMAT for our inbound/outbound direction (§2.17:
  // i_to_r is inbound at the responder, outbound at the initiator).
  void install_child(Time now, IkeSa& sa, uint32_t spi_in, uint32_t spi_out, uint16_t key_bits,
                     bool esn, ByteSpan key_in, ByteSpan key_out, ByteSpan extra,
                     std::vector<TrafficSelector> ts_local, std::vector<TrafficSelector> ts_remote,
                     uint32_t replaces, Effects& fx, bool requested = false);
  void remove_child(IkeSa& sa, uint32_t spi_in, ChildDownReason reason, Effects& fx);
  void resolve_child_collision(Time now, IkeSa& sa, const Outstanding& o, ByteSpan our_nr_peer,
                               uint32_t our_new_spi_in, Effects& fx);

  // ---- IKE SA rekey (exchange_rekey_ike.cc) ----
  void start_rekey_ike(Time now, IkeSa& sa, Effects& fx);
  void on_rekey_ike_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx);
  void on_rekey_ike_response(Time now, IkeSa& sa, const Incoming& in, Outstanding& o, Effects& fx);
  IkeSa* make_rekeyed_sa(Time now, IkeSa& old, bool we_initiated, uint64_t spi_i, uint64_t spi_r,
                         uint16_t key_bits, const IkeSaKeys& keys, Effects& fx);
  // Moves the children, their collision records, address leases and queued
  // child work to `to`, and starts that work there.
  void move_children(Time now, IkeSa& from, IkeSa& to, Effects& fx);
  void retire_old(Time now, IkeSa& old, IkeSa& successor, bool we_delete, Effects& fx);
  // A failed or refused rekey is tried again after a short random delay
  // (§2.25: TEMPORARY_FAILURE means "retry later").
  Time retry_time(Time now);

  // ---- INFORMATIONAL (exchange_info.cc) ----
  void start_informational(Time now, IkeSa& sa, const QueuedTask& t, Effects& fx);
  void on_informational_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx);
  void on_informational_response(Time now, IkeSa& sa, const Incoming& in, Outstanding& o,
                                 Effects& fx);
  // One-shot INFORMATIONAL requests, never retransmitted: an error notify
  // about the peer's IKE_AUTH response (§2.21.2), or a Delete of the IKE SA
  // when it dies of old age (the peer learns it or its own timers clean up).
  void send_notify_oneshot(IkeSa& sa, NotifyType t, Effects& fx);
  void send_delete_ike_oneshot(IkeSa& sa, Effects& fx);

  // ---- views (engine_views.cc) ----
  IkeSaInfo info(const IkeSa& sa) const;
};

// Small helpers shared by the exchange files.
void add_notify(PayloadChainWriter& w, Bytes& out, NotifyType t, ByteSpan data = {},
                uint8_t protocol = 0, ByteSpan spi = {});
// Octet-by-octet comparison (§2.8.1: a shorter prefix is lower).
bool nonce_less(ByteSpan a, ByteSpan b);
ByteSpan min_nonce(ByteSpan a, ByteSpan b);
sa::Transform esp_transform(uint16_t key_bits);
size_t esp_keymat_len(uint16_t key_bits);

}  // namespace ainet::ike
