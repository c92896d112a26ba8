// The sans-I/O IKEv2 engine (RFC 7296): initiator and responder for
// IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL, with cookies,
// NAT detection, retransmission, liveness checks and rekeying. docs/ike.md
// describes the state machine; this header is the whole interface:
//   inputs:  handle_datagram (a UDP payload from port 500 or 4500, with
//            both endpoints), handle_timers (the clock moved), and the
//            commands (initiate, rekey, terminate, peer_alive);
//   outputs: calls on the Effects passed in (send a datagram, child SA
//            up/down with its keys, IKE SA up/down, the next timer).
// No clock, socket, thread or global: `now` and the Rng come from outside,
// so a simulation can drive two engines deterministically.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "ike/ike_config.h"
#include "sa/sa_config.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/time.h"

namespace ainet::ike {

// A child SA negotiated (IKE_AUTH or CREATE_CHILD_SA): both directions,
// ready for sa::SecurityAssociation::create. The keys are KEYMAT in the
// layout of sa/transform.h (AES key || 4-byte salt, RFC 4106 §8.1).
struct ChildSaUp {
  uint64_t ike_sa = 0;
  std::string peer;
  uint32_t spi_in = 0;   // we chose it; the peer sends with it
  uint32_t spi_out = 0;  // the peer chose it; we send with it
  // Non-zero for a rekey (§1.3.3/§2.8): the inbound SPI of the child SA this
  // one replaces. Send on the new SA from now on; keep accepting on the old
  // one until its ChildSaDown.
  uint32_t replaces_spi_in = 0;
  sa::SaConfig inbound, outbound;  // framing udp when udp_encap, else ip
  // 32 octets of this child's KEYMAT after both directions' keys (§2.17:
  // prf+ is read as far as needed; IPsec takes only the keys at its start).
  // Both ends get the same value, independent of the ESP keys; ainet uses
  // it as a PVT's tvt_secret (docs/ike.md "Phase 2").
  Secret<32> extra_keymat;
  bool udp_encap = false;          // RFC 3948: a NAT was detected (or forced)
  // We sent the request that made it (so the response told us the peer has
  // installed both halves): we may send on it at once. The responder of a
  // rekey should wait for traffic on it or the old SA's delete (§2.8).
  bool requested = false;
  UdpEndpoint local, remote;       // the IKE SA's current endpoints (ESP goes there)
  std::vector<TrafficSelector> ts_local, ts_remote;
  // The inner address assigned with CP (§3.15): to the peer when we are the
  // responder, to us when we are the initiator.
  std::optional<wire::IpAddress> virtual_ip4, virtual_ip6;
};

enum class ChildDownReason : uint8_t {
  rekeyed,          // replaced by a rekeyed child SA (its ChildSaUp came first)
  deleted_by_peer,  // INFORMATIONAL Delete from the peer
  deleted_locally,  // terminate_child() or a redundant SA after a rekey collision
  expired,          // hard lifetime reached without a successful rekey
  ike_sa_gone,      // its IKE SA was deleted, failed or died
};
struct ChildSaDown {
  uint64_t ike_sa = 0;
  uint32_t spi_in = 0, spi_out = 0;
  ChildDownReason reason{};
};

enum class IkeDownReason : uint8_t {
  deleted_by_peer,
  deleted_locally,     // terminate_ike()
  peer_dead,           // retransmissions of a request gave up (§2.4), incl. liveness checks
  auth_failed,         // AUTHENTICATION_FAILED sent or received (§2.21.2)
  no_proposal,         // NO_PROPOSAL_CHOSEN for the IKE SA
  negotiation_failed,  // any other error during IKE_SA_INIT/IKE_AUTH
  half_open_timeout,   // responder: no IKE_AUTH in time
  expired,             // hard lifetime reached without a successful rekey
  rekeyed,             // replaced by a new IKE SA (IkeSaEvent::new_handle)
  redundant,           // a duplicate from a simultaneous IKE SA rekey (§2.8.2), never used
};

struct IkeSaEvent {
  uint64_t handle = 0;
  uint64_t new_handle = 0;  // rekeyed: the IKE SA that took over (children moved there)
  std::string peer;         // config name ("" while a responder does not know it)
  UdpEndpoint local, remote;
  bool initiator = false;  // we were the original initiator of this IKE SA
  IkeDownReason reason{};  // down only
  std::optional<wire::IpAddress> virtual_ip4, virtual_ip6;
};

class Effects {
 public:
  virtual ~Effects() = default;
  // Send a UDP datagram from `local` to `remote`. The payload is complete:
  // on port 4500 it already starts with the non-ESP marker (RFC 3948 §2.2),
  // and a NAT keepalive is the single octet 0xFF (RFC 3948 §2.3).
  virtual void send_datagram(const UdpEndpoint& local, const UdpEndpoint& remote,
                             ByteSpan payload) = 0;
  virtual void child_sa_up(const ChildSaUp&) {}
  virtual void child_sa_down(const ChildSaDown&) {}
  virtual void ike_sa_up(const IkeSaEvent&) {}
  virtual void ike_sa_down(const IkeSaEvent&) {}
  // The earliest time handle_timers() must be called (Time::max() for
  // never). Called at the end of every entry point whose work changed it.
  virtual void set_timer(Time /*at*/) {}
};

// Why an incoming datagram was dropped without changing any state. Every
// drop is counted in IkeCounters::drops[reason].
enum class DropReason : uint8_t {
  parse,            // header or payload chain malformed / truncated (§3.1, §3.2)
  version,          // major version is not 2 (§1.5)
  not_ike,          // on 4500 without the non-ESP marker (ESP is the caller's), or a keepalive
  unknown_spi,      // no IKE SA with that SPI (§2.21.4: not answered)
  message_id,       // request outside the window or response to nothing (§2.3)
  integrity,        // SK payload failed to verify (§2.21.2: silent)
  syntax,           // decrypted/INIT payloads unusable; answered with INVALID_SYNTAX if protected
  unexpected,       // wrong exchange or payloads for the state
  half_open_limit,  // max_half_open or max_ike_sas reached
  cookie,           // an IKE_SA_INIT with a missing/invalid cookie (answered with COOKIE)
  init_mismatch,    // a second IKE_SA_INIT with a known SPIi that is not a retransmission
  peer_error,       // an error notify in a response (its request failed)
  count_
};
constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::count_);
std::string_view to_string(DropReason r);

struct IkeCounters {
  uint64_t datagrams_in = 0, datagrams_out = 0;
  uint64_t requests_sent = 0, retransmissions = 0, responses_resent = 0;
  uint64_t ike_sas_up = 0, ike_sas_failed = 0, ike_rekeys = 0;
  uint64_t child_sas_up = 0, child_rekeys = 0, child_sas_failed = 0;
  uint64_t cookies_sent = 0, invalid_ke_sent = 0, dpd_sent = 0, dead_peers = 0;
  uint64_t rekey_collisions = 0, nat_keepalives = 0;
  // Error notifies we sent, by type (RFC 7296 §3.10.1 error types are < 64).
  std::array<uint64_t, 64> errors_sent{};
  uint64_t error_sent(NotifyType t) const { return errors_sent[static_cast<uint16_t>(t) & 63]; }
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t drop(DropReason r) const { return drops[static_cast<size_t>(r)]; }
  uint64_t total_drops() const;
};

enum class IkeState : uint8_t {
  init_sent,    // initiator: IKE_SA_INIT request outstanding
  auth_sent,    // initiator: IKE_AUTH request outstanding
  half_open,    // responder: IKE_SA_INIT answered, IKE_AUTH not yet
  established,  // authenticated; children, rekeys, informational
  rekeyed,      // replaced by a new IKE SA; only its deletion remains
  deleting,     // our Delete (IKE) is outstanding
};
std::string_view to_string(IkeState s);

// ainctl-style views (phase 2: `ainctl ike`).
struct ChildSaInfo {
  uint32_t spi_in = 0, spi_out = 0;
  uint16_t key_bits = 0;
  bool esn = false, udp_encap = false;
  std::vector<TrafficSelector> ts_local, ts_remote;
  Time established{}, rekey_at{}, expire_at{};
  uint32_t rekeys = 0;  // rekeys in this child's line so far
  bool rekeying = false;
};
struct IkeSaInfo {
  uint64_t handle = 0;
  std::string peer;
  IkeState state{};
  bool initiator = false;
  uint64_t spi_i = 0, spi_r = 0;
  UdpEndpoint local, remote;
  bool nat_local = false, nat_remote = false;
  uint16_t key_bits = 0;
  Time created{}, established{}, rekey_at{}, expire_at{}, last_heard{};
  uint32_t rekeys = 0;
  uint32_t next_request_id = 0, expected_request_id = 0;
  std::optional<wire::IpAddress> virtual_ip4, virtual_ip6;
  std::vector<ChildSaInfo> children;
};

// Sizes of every table, for "nothing half-open left behind" assertions.
struct IkeStateCounts {
  size_t ike_sas = 0, half_open = 0, children = 0, leases = 0, timers = 0, init_index = 0,
         spi_index = 0;
  size_t total() const {
    return ike_sas + half_open + children + leases + timers + init_index + spi_index;
  }
  bool operator==(const IkeStateCounts&) const = default;
};

class IkeEngine {
 public:
  IkeEngine(IkeConfig config, crypto::Rng& rng);
  ~IkeEngine();
  IkeEngine(const IkeEngine&) = delete;
  IkeEngine& operator=(const IkeEngine&) = delete;

  // A UDP datagram received on `local` (port 500 or 4500, or whatever the
  // caller listens on) from `remote`. On port 4500 the payload must start
  // with the non-ESP marker; ESP (a non-zero SPI) and keepalives are not
  // for this engine and are counted as not_ike.
  void handle_datagram(Time now, const UdpEndpoint& local, const UdpEndpoint& remote,
                       ByteSpan payload, Effects& fx);
  // Runs every timer due at or before now (retransmission, liveness check,
  // rekey, expiry, half-open timeout, NAT keepalive, cookie rotation).
  void handle_timers(Time now, Effects& fx);
  Time next_deadline() const;

  // Starts an IKE SA with the named peer (IKE_SA_INIT, then IKE_AUTH with a
  // first child SA). Returns the IKE SA handle; not_found for an unknown
  // name, limit when max_ike_sas is reached.
  Result<uint64_t> initiate(Time now, std::string_view peer, Effects& fx);
  // Sets PeerConfig::requested_ip4 of `peer` for its next IKE_AUTH
  // (e.g. the inner address a lost IKE SA had). not_found for an unknown name.
  Status set_requested_address(std::string_view peer, std::optional<wire::IpAddress> ip4);
  // CREATE_CHILD_SA for another child SA with the same policy.
  Status create_child(Time now, uint64_t ike_sa, Effects& fx);
  Status rekey_ike(Time now, uint64_t ike_sa, Effects& fx);
  Status rekey_child(Time now, uint32_t spi_in,
                     Effects& fx);  // e.g. sequence numbers near exhaustion
  Status terminate_ike(Time now, uint64_t ike_sa, Effects& fx);
  Status terminate_child(Time now, uint32_t spi_in, Effects& fx);
  // ESP traffic arrived on a child SA of this IKE SA: the peer is alive, so
  // the liveness check (§1.4) can wait.
  void peer_alive(Time now, uint64_t ike_sa);

  const IkeCounters& counters() const;
  std::vector<IkeSaInfo> list_ike_sas() const;
  std::optional<IkeSaInfo> ike_sa(uint64_t handle) const;
  IkeStateCounts state_counts() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ainet::ike
