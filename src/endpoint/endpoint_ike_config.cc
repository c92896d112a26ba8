#include "endpoint/endpoint_ike_config.h"

#include <algorithm>
#include <cstring>

#include "daemon/config_values.h"
#include "daemon/ike_settings.h"
#include "daemon/secret_file.h"
#include "util/secret.h"

namespace ainet::endpoint {

using namespace config_toml;

namespace {

ike::Identity identity(const Section& s, std::string_view key) {
  const toml::node& n = s.require(key);
  const std::string text = s.string_at(n, key);
  auto id = daemon::parse_identity(text);
  if (!id)
    fail(line_of(n), s.field(key),
         "expected an identity (\"name.example\", \"user@host\" or an address), got \"\"");
  return *id;
}

}  // namespace

void read_endpoint_ike(const Section& e, EndpointConfig& c, const std::string& base_dir) {
  const toml::table* t = e.table("ike", true);
  Section s(*t, e.field("ike"),
            {"local_id", "remote_id", "auth", "psk", "psk_file", "private_key", "private_key_file",
             "ain_public_key", "port", "ike_rekey", "child_rekey", "dpd_delay", "pfs"});
  // The AIN's IKE customers send ESP UDP-encapsulated on 4500 (aind claims a
  // NAT, docs/ike.md), and the engine floats IKE to port 4500 (RFC 7296
  // §2.23), so the endpoint's carrier socket must be udp on 4500.
  if (c.carrier != core::Carrier::udp)
    fail(e.has("carrier") ? line_of(*e.get("carrier")) : s.line(), e.field("carrier"),
         "endpoint.ike needs carrier = \"udp\" (the child SA is UDP-encapsulated ESP, RFC 3948)");
  if (c.udp_port != 4500)
    fail(line_of(*e.get("udp_port")), e.field("udp_port"),
         "endpoint.ike needs udp_port = 4500 (IKE and ESP float there, RFC 7296 §2.23), got " +
             std::to_string(c.udp_port));
  EndpointIke& x = c.ike;
  x.enabled = true;
  x.port = static_cast<uint16_t>(s.integer_or("port", 500, 1, 65535));
  if (x.port == c.udp_port)
    fail(line_of(*s.get("port")), s.field("port"), "must differ from endpoint.udp_port");
  ike::PeerConfig p;
  p.name = kIkePeer;
  p.local = {c.tunnel_address, x.port};
  p.remote = {c.ain_address, x.port};
  p.local_id = identity(s, "local_id");
  p.remote_id = identity(s, "remote_id");
  if (s.choice("auth", {"psk", "ed25519"}) == 0) {
    for (std::string_view k : {"private_key", "private_key_file", "ain_public_key"})
      if (s.has(k)) fail(line_of(*s.get(k)), s.field(k), "only for auth = \"ed25519\"");
    p.local_auth.kind = p.remote_auth.kind = ike::AuthKind::psk;
    p.local_auth.psk = daemon::read_psk(s, base_dir);
    p.remote_auth.psk = p.local_auth.psk;
  } else {
    for (std::string_view k : {"psk", "psk_file"})
      if (s.has(k)) fail(line_of(*s.get(k)), s.field(k), "only for auth = \"psk\"");
    // RFC 8420: this host signs with its own seed, the AIN with its node
    // identity key (aind's node.identity_key; `ainctl pubkey` prints it).
    Bytes seed = required_secret_hex(s, "private_key", base_dir, 32, "Ed25519 seed, RFC 8032");
    p.local_auth.kind = p.remote_auth.kind = ike::AuthKind::ed25519;
    p.local_auth.ed25519.assign(seed);
    secure_zero(seed.data(), seed.size());
    const toml::node& n = s.require("ain_public_key");
    Bytes k = hex_key(s.string_at(n, "ain_public_key"), 32, "Ed25519 public key", line_of(n),
                      s.field("ain_public_key"));
    std::memcpy(p.remote_auth.ed25519.data(), k.data(), 32);
  }
  // What the tunnel carries on the far side: the routes into the TUN
  // (not PeerConfig's default "any IPv4").
  p.remote_ts.clear();
  for (const wire::IpPrefix& r : c.routes)
    p.remote_ts.push_back(ike::TrafficSelector::from_prefix(r));
  if (c.role == Role::initiator) {
    // §3.15: the AIN assigns the inner address (CFG_REQUEST) and narrows
    // TSi to it; we propose "any IPv4".
    p.request_address = true;
    p.local_ts = {ike::TrafficSelector::any_v4()};
  } else {
    // A registered responder (paper §4.4) keeps its own addresses: they are
    // its TSi, within the AIN's `serves` for it.
    p.local_ts.clear();
    for (const wire::IpAddress& a : c.inner_addresses)
      p.local_ts.push_back(ike::TrafficSelector::host(a));
  }
  // §1.3.1: a DH exchange in the child rekeys this host starts; the AIN
  // accepts either. Off by default like aind's `pfs`.
  p.child_pfs = s.boolean_or("pfs", false);
  ike::IkeConfig& cfg = x.engine;
  cfg.lifetimes.ike_soft = duration(s, "ike_rekey", cfg.lifetimes.ike_soft, Duration::s(60));
  cfg.lifetimes.ike_hard = Duration{cfg.lifetimes.ike_soft.ns + cfg.lifetimes.ike_soft.ns / 10};
  cfg.lifetimes.child_soft = duration(s, "child_rekey", cfg.lifetimes.child_soft, Duration::s(10));
  cfg.lifetimes.child_hard =
      Duration{cfg.lifetimes.child_soft.ns + cfg.lifetimes.child_soft.ns / 10};
  cfg.lifetimes.jitter =
      Duration{std::min(cfg.lifetimes.jitter.ns, cfg.lifetimes.child_soft.ns / 10)};
  cfg.dpd_delay = duration(s, "dpd_delay", cfg.dpd_delay, Duration{});
  // An initiator only: nobody may start an IKE SA with us.
  cfg.max_half_open = 1;
  cfg.max_ike_sas = 4;  // ours, its rekey and a colliding one
  cfg.peers.push_back(std::move(p));
}

}  // namespace ainet::endpoint
