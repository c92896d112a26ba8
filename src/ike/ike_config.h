// Configuration of the IKEv2 engine (ike_engine.h). Plain values: the
// daemon (phase 2) fills them from its TOML file; tests build them in code.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/kex.h"
#include "ike/payloads.h"
#include "ike/proposal.h"
#include "util/bytes.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::ike {

// A UDP address: where IKE messages (and UDP-encapsulated ESP) go.
struct UdpEndpoint {
  wire::IpAddress addr;
  uint16_t port = 0;
  bool operator==(const UdpEndpoint&) const = default;
  std::string to_string() const;
};

// How one side proves its identity (RFC 7296 §2.15, RFC 8420).
enum class AuthKind : uint8_t { psk, ed25519 };

struct LocalAuth {
  AuthKind kind = AuthKind::psk;
  Bytes psk;                   // kind == psk
  crypto::PrivateKey ed25519;  // kind == ed25519: the RFC 8032 seed
};
struct RemoteAuth {
  AuthKind kind = AuthKind::psk;
  Bytes psk;                    // kind == psk (the same secret as the peer's)
  crypto::PublicKey ed25519{};  // kind == ed25519: the peer's raw public key
};

// Lifetimes (RFC 7296 §2.8: rekeying is a local policy). The soft time
// starts a rekey, the hard time deletes an SA that could not be rekeyed.
// Each soft time is shortened by a random jitter of up to `jitter` so that
// two peers with the same policy rarely rekey at once (§2.8.1).
struct Lifetimes {
  Duration ike_soft = Duration::s(4 * 3600);
  Duration ike_hard = Duration::s(4 * 3600 + 600);
  Duration child_soft = Duration::s(3600);
  Duration child_hard = Duration::s(3600 + 300);
  Duration jitter = Duration::s(60);
};

// One peer we talk to: as initiator (initiate(name)) or as responder (the
// peer whose remote_id matches the IDi of an IKE_AUTH request).
struct PeerConfig {
  std::string name;
  // Initiator only: where to send IKE_SA_INIT (port 500 normally) and from.
  UdpEndpoint local;
  UdpEndpoint remote;
  Identity local_id;
  Identity remote_id;
  LocalAuth local_auth;
  RemoteAuth remote_auth;
  // Child SA policy: what we protect on our side and on theirs. As
  // responder, TSi is narrowed with remote_ts and TSr with local_ts
  // (ts_narrowing.h); as initiator these are what we propose.
  std::vector<TrafficSelector> local_ts = {TrafficSelector::any_v4()};
  std::vector<TrafficSelector> remote_ts = {TrafficSelector::any_v4()};
  // Responder: assign the initiator's inner address from the engine's
  // pools when it sends a CFG_REQUEST (§3.15); its TSi is then narrowed to
  // that address. Initiator: ask for an inner address (CFG_REQUEST).
  bool assign_address = false;
  bool request_address = false;
  // Initiator: the IPv4 address to ask for in that CFG_REQUEST (§3.15.1: a
  // non-empty INTERNAL_IP4_ADDRESS requests a particular address, e.g. the
  // one a lost IKE SA had); the responder may assign another.
  std::optional<wire::IpAddress> requested_ip4;
  std::vector<wire::IpAddress> dns;  // responder: INTERNAL_IP4/6_DNS in the CFG_REPLY
  // Use PFS (a group 31 key exchange) in CREATE_CHILD_SA (§1.3.1).
  bool child_pfs = true;
  // Initiator: create a first child SA with IKE_AUTH (§1.2).
  bool child_with_auth = true;
};

struct RetransmitPolicy {
  // §2.1/§2.4: retransmit an unanswered request after `initial`, then
  // doubling up to `max_interval`; after `tries` retransmissions, wait one
  // more interval and give up (the peer is dead: delete everything).
  Duration initial = Duration::s(2);
  Duration max_interval = Duration::s(16);
  int tries = 5;
};

struct IkeConfig {
  std::vector<PeerConfig> peers;
  ProposalPolicy proposals;
  Lifetimes lifetimes;
  RetransmitPolicy retransmit;
  // §1.4: liveness check after this long without any authenticated message
  // or peer_alive() report from the peer. Zero disables it.
  Duration dpd_delay = Duration::s(30);
  // RFC 3948 §4: NAT keepalives every this long when we are behind a NAT.
  Duration nat_keepalive = Duration::s(20);
  // §2.6: once this many half-open IKE SAs exist, new IKE_SA_INIT requests
  // must carry a valid cookie. 0 = always require cookies.
  size_t cookie_threshold = 64;
  size_t max_half_open = 1024;  // hard bound: beyond it requests are dropped
  size_t max_ike_sas = 4096;    // established + half-open + being set up
  size_t max_children_per_ike = 16;
  Duration half_open_timeout = Duration::s(30);
  Duration cookie_rotation = Duration::s(300);
  // Responder pools for CFG_REPLY (either or both).
  std::optional<wire::IpPrefix> pool_v4;
  std::optional<wire::IpPrefix> pool_v6;
  // Force UDP encapsulation of ESP even without a NAT (RFC 7296 §2.23 lets a
  // peer pretend to be behind one by sending a non-matching hash): our
  // NAT_DETECTION_SOURCE_IP is then a random value.
  bool force_encap = false;
};

}  // namespace ainet::ike
