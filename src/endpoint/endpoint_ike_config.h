// [endpoint.ike] of endpoint.toml (docs/ike.md "ain-endpoint over IKEv2"):
// the endpoint keys its tunnel to the AIN with IKEv2 (RFC 7296) as initiator
// instead of manual keys. One peer, the AIN:
//   local_id, remote_id   identities (strongSwan's spelling, daemon/ike_settings.h)
//   auth                  "psk" (psk | psk_file) or "ed25519" (private_key |
//                         private_key_file: this host's seed; ain_public_key:
//                         the AIN's node identity key), RFC 8420
//   port (500), ike_rekey, child_rekey, dpd_delay, pfs
// An initiator host gets its inner address by CP (§3.15); a registered
// responder host proposes its configured inner addresses as TSi (§2.9).
#pragma once
#include <string>

#include "daemon/toml_section.h"
#include "endpoint/endpoint_config.h"

namespace ainet::endpoint {

// Reads `ike` of the [endpoint] section `e` into c.ike, after the rest of
// `c` is read (role, addresses, carrier, routes). Throws ConfigError.
void read_endpoint_ike(const config_toml::Section& e, EndpointConfig& c,
                       const std::string& base_dir);

}  // namespace ainet::endpoint
