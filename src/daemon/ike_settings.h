// aind's IKEv2 settings (docs/ike.md "Customer tunnels", examples/aind.toml):
// the [ike] section and the `ike` table of each [[customer]] that connects
// with a stock IKEv2 client instead of manual keys. They map one to one onto
// ike::IkeConfig (one PeerConfig per IKE customer); config.cc calls in here.
//
// Every refusal is the usual "<file>:<line>: <field>: <what>", e.g.
//   aind.toml:31: customer[0].ike.auth: expected "psk" or "ed25519", got "rsa"
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/directory.h"
#include "core/engine_api.h"
#include "crypto/kex.h"
#include "ike/ike_config.h"
#include "wire/ip_address.h"

namespace ainet::config_toml {
class Section;
}

namespace ainet::daemon {

// A [[pvt]] with keying = "ike" (docs/ike.md "PVTs"): the peer's address
// and Ed25519 identity key come from the directory (add_ike_pvts).
struct IkePvtSetting {
  core::NodeId peer = 0;
  Bytes psk;          // optional: PSK both ways instead of the identity keys
  int64_t line = 0;   // of its `keying`, for messages
  std::string field;  // "pvt[N].keying"
};

struct IkeSettings {
  bool enabled = false;   // an [ike] section is present, or an IKE PVT
  uint16_t port = 500;    // IKE_SA_INIT arrives here; the float goes to [network] udp_port
  ike::IkeConfig engine;  // peers: one per IKE customer, named by the customer
  std::map<std::string, uint32_t> customer_of_peer;  // PeerConfig::name -> customer id
  int64_t first_customer_line = 0;  // where the first `ike` customer table is (for messages)
  std::vector<IkePvtSetting> pvts;  // filled into engine.peers by add_ike_pvts
  std::map<std::string, core::NodeId> pvt_of_peer;  // PeerConfig::name -> PVT peer
  core::NodeId self = 0;
};

// The peer name of the IKE SA of an IKE PVT with AIN `peer`.
std::string pvt_peer_name(core::NodeId peer);

// Reads `ike` of one [[customer]] or [[responder]] (section `s` = that
// table) into a PeerConfig named `name` for customer `id`. An initiator
// (`serves` empty) gets its inner address by CP from [ike] pool_v4/pool_v6;
// a registered responder keeps its own addresses, its TSi narrowed to
// `serves` (RFC 7296 §2.9). Throws ConfigError.
void read_ike_customer(const config_toml::Section& customer, uint32_t id, const std::string& name,
                       const std::vector<wire::IpPrefix>& serves, const std::string& base_dir,
                       IkeSettings& out);

// Reads the optional [ike] section after every customer was read. `udp_carrier`:
// [network] carrier is "udp" (either carrier works: on the ip carrier the IKE
// node binds udp_port itself for the customers' ESP in UDP); `identity_seed`: [node] identity key, the
// Ed25519 key this AIN authenticates with to ed25519 customers (empty if none).
void read_ike_section(const config_toml::Section& top, bool udp_carrier,
                      const crypto::PrivateKey& identity_seed, IkeSettings& out);

// `psk` (inline) or `psk_file` (chmod 600) of `s`, at least 16 characters
// (RFC 7296 §2.15). Throws ConfigError naming the field.
Bytes read_psk(const config_toml::Section& s, const std::string& base_dir);

// Adds one ike::PeerConfig per IKE PVT, once the directory is loaded: both
// ends are identified by their directory addresses (ID_IPV4/6_ADDR) and
// authenticate with their node identity keys (RFC 8420; this AIN's
// [node] identity_key, the peer's identity_key in the directory), or with
// the PVT's psk. The lower node id initiates (IkeNode::start_pvts). Returns
// "" or "<line>: pvt[N].keying: <why>" (the caller puts the file first).
std::string add_ike_pvts(IkeSettings& s, core::NodeId self, const crypto::PrivateKey& identity_seed,
                         const core::Directory& dir);

// strongSwan's spelling of an identity (so one string works in both configs):
// an IP address is ID_IPV*_ADDR, "@name" is ID_FQDN "name", "user@host" is
// ID_RFC822_ADDR, anything else ID_FQDN (RFC 7296 §3.5). Empty -> nullopt.
std::optional<ike::Identity> parse_identity(const std::string& text);

}  // namespace ainet::daemon
