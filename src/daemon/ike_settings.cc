#include "daemon/ike_settings.h"

#include <algorithm>
#include <cstring>

#include "crypto/kex.h"
#include "daemon/config_values.h"
#include "daemon/secret_file.h"
#include "daemon/toml_section.h"
#include "util/secret.h"
#include "wire/ip_address.h"

namespace ainet::daemon {

using namespace config_toml;

namespace {

// RFC 7296 §2.15: a PSK needs as much entropy as the keys it protects; a
// short one is open to offline dictionary attacks on a captured IKE_AUTH.
constexpr size_t kMinPskLength = 16;

ike::Identity identity(const Section& s, std::string_view key) {
  const toml::node& n = s.require(key);
  const std::string text = s.string_at(n, key);
  auto id = parse_identity(text);
  if (!id)
    fail(line_of(n), s.field(key),
         "expected an identity (\"name.example\", \"user@host\" or an address), got \"\"");
  return *id;
}

std::optional<wire::IpPrefix> pool(const Section& s, std::string_view key, bool v4) {
  const toml::node* n = s.get(key);
  if (!n) return std::nullopt;
  const std::string text = s.string_at(*n, key);
  auto p = wire::IpPrefix::parse(text);
  if (!p || p->address().is_v4() != v4)
    fail(line_of(*n), s.field(key),
         std::string("expected an ") + (v4 ? "IPv4" : "IPv6") + " prefix such as \"" +
             (v4 ? "10.77.0.0/24" : "fd00:77::/112") + "\", got \"" + text + "\"");
  // At least one usable address besides network (and broadcast) addresses.
  if ((v4 && p->length() > 30) || (!v4 && p->length() > 127))
    fail(line_of(*n), s.field(key), "prefix \"" + text + "\" holds no assignable address");
  return *p;
}

}  // namespace

std::optional<ike::Identity> parse_identity(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (auto a = wire::IpAddress::parse(text)) return ike::Identity::address(*a);
  if (text[0] == '@') {
    if (text.size() == 1) return std::nullopt;
    return ike::Identity::fqdn(std::string_view(text).substr(1));
  }
  if (text.find('@') != std::string::npos) return ike::Identity::rfc822(text);
  return ike::Identity::fqdn(text);
}

Bytes read_psk(const Section& s, const std::string& base_dir) {
  // strongSwan's `secret`: any string. Inline or in a chmod-600 file.
  std::string psk;
  if (s.has("psk") && s.has("psk_file"))
    fail(line_of(*s.get("psk_file")), s.field("psk_file"), "give psk or psk_file, not both");
  if (const toml::node* f = s.get("psk_file"))
    psk = read_key_file(resolve_path(base_dir, s.string_at(*f, "psk_file")), line_of(*f),
                        s.field("psk_file"));
  else if (s.has("psk"))
    psk = s.string("psk");
  else
    fail(s.line(), s.field("psk"), "missing (required for auth = \"psk\"; or give psk_file)");
  if (psk.size() < kMinPskLength) {
    const std::string f = s.has("psk") ? "psk" : "psk_file";
    secure_zero(psk.data(), psk.size());
    fail(line_of(*s.get(f)), s.field(f),
         "a pre-shared key of " + std::to_string(psk.size()) +
             " characters is guessable; use at least " + std::to_string(kMinPskLength));
  }
  Bytes out(psk.begin(), psk.end());
  secure_zero(psk.data(), psk.size());
  return out;
}

void read_ike_customer(const Section& customer, uint32_t id, const std::string& name,
                       const std::vector<wire::IpPrefix>& serves, const std::string& base_dir,
                       IkeSettings& out) {
  const toml::table* t = customer.table("ike", true);
  Section s(*t, customer.field("ike"),
            {"id", "auth", "psk", "psk_file", "public_key", "dns", "pfs"});
  if (out.first_customer_line == 0) out.first_customer_line = s.line();
  ike::PeerConfig p;
  p.name = name;
  p.remote_id = identity(s, "id");
  for (const auto& other : out.engine.peers)
    if (other.remote_id == p.remote_id)
      fail(line_of(*s.get("id")), s.field("id"),
           "identity \"" + s.string("id") + "\" is already customer \"" + other.name + "\"'s");
  if (s.choice("auth", {"psk", "ed25519"}) == 0) {
    p.remote_auth.kind = p.local_auth.kind = ike::AuthKind::psk;
    p.remote_auth.psk = read_psk(s, base_dir);
    p.local_auth.psk = p.remote_auth.psk;
  } else {
    if (s.has("psk") || s.has("psk_file"))
      fail(line_of(*s.get(s.has("psk") ? "psk" : "psk_file")),
           s.field(s.has("psk") ? "psk" : "psk_file"), "only for auth = \"psk\"");
    const toml::node& n = s.require("public_key");
    Bytes k = hex_key(s.string_at(n, "public_key"), 32, "Ed25519 public key", line_of(n),
                      s.field("public_key"));
    p.remote_auth.kind = p.local_auth.kind = ike::AuthKind::ed25519;
    std::memcpy(p.remote_auth.ed25519.data(), k.data(), 32);
    // local_auth.ed25519 (this AIN's identity key) is set by read_ike_section.
  }
  if (const toml::node* d = s.get("dns")) {
    if (!d->is_array())
      fail(line_of(*d), s.field("dns"), "expected an array of addresses, got " + type_name(*d));
    size_t i = 0;
    for (const toml::node& e : *d->as_array()) {
      const std::string f = s.field("dns") + "[" + std::to_string(i++) + "]";
      if (!e.is_string())
        fail(line_of(e), f, "expected an IPv4 or IPv6 address string, got " + type_name(e));
      auto a = wire::IpAddress::parse(e.as_string()->get());
      if (!a)
        fail(line_of(e), f,
             "expected an IPv4 or IPv6 address, got \"" + e.as_string()->get() + "\"");
      p.dns.push_back(*a);
    }
  }
  // §1.3.1: a Diffie-Hellman exchange in the CREATE_CHILD_SAs this AIN starts
  // (child rekeys). It must match the client's esp_proposals: strongSwan
  // with `aes256gcm16` (no DH group) refuses a rekey with KE with
  // NO_PROPOSAL_CHOSEN, with `aes256gcm16-x25519` it needs one. Off by
  // default, as strongSwan's default esp_proposals carry no DH group.
  p.child_pfs = s.boolean_or("pfs", false);
  // RFC 7296 §3.15: the customer's inner address comes from [ike] pool_v4 /
  // pool_v6 and its TSi is narrowed to it; it may reach anything (TSr any).
  // A registered responder ([[responder]], `serves`) keeps its own inner
  // addresses: no CP, its TSi narrowed to the prefixes it serves.
  p.assign_address = serves.empty();
  p.local_ts = {ike::TrafficSelector::any_v4(), ike::TrafficSelector::any_v6()};
  p.remote_ts = {ike::TrafficSelector::any_v4(), ike::TrafficSelector::any_v6()};
  if (!serves.empty()) {
    p.remote_ts.clear();
    for (const wire::IpPrefix& pr : serves) p.remote_ts.push_back(ike::TrafficSelector::from_prefix(pr));
  }
  out.customer_of_peer[name] = id;
  out.engine.peers.push_back(std::move(p));
}

void read_ike_section(const Section& top, [[maybe_unused]] bool udp_carrier, const crypto::PrivateKey& identity_seed,
                      IkeSettings& out) {
  const toml::table* t = top.table("ike", false);
  if (!t) {
    if (!out.engine.peers.empty())
      fail(out.first_customer_line, "ike",
           "missing: customers with an `ike` table need an [ike] section");
    // IKE PVTs alone: [ike] defaults (port 500, lifetimes of ike_config.h).
    if (!out.pvts.empty()) {
      out.enabled = true;
      out.engine.force_encap = true;
    }
    return;
  }
  Section s(*t, "ike",
            {"port", "local_id", "pool_v4", "pool_v6", "ike_rekey", "child_rekey", "dpd_delay",
             "cookie_threshold", "max_half_open", "max_ike_sas", "half_open_timeout"});
  out.enabled = true;
  out.port = static_cast<uint16_t>(s.integer_or("port", out.port, 1, 65535));
  ike::IkeConfig& c = out.engine;
  // Customers see this identity; PVTs use the directory address instead.
  const ike::Identity local = out.engine.peers.empty() && !s.has("local_id")
                                  ? ike::Identity::fqdn("ainet")
                                  : identity(s, "local_id");
  c.pool_v4 = pool(s, "pool_v4", true);
  c.pool_v6 = pool(s, "pool_v6", false);
  const bool cp = std::any_of(c.peers.begin(), c.peers.end(),
                              [](const ike::PeerConfig& p) { return p.assign_address; });
  if (cp && !c.pool_v4 && !c.pool_v6)
    fail(s.line(), s.field("pool_v4"),
         "missing: IKE customers get their inner address from pool_v4 and/or pool_v6");
  // Soft lifetimes; the hard ones follow 10 % later (RFC 7296 §2.8: local policy).
  c.lifetimes.ike_soft = duration(s, "ike_rekey", c.lifetimes.ike_soft, Duration::s(60));
  c.lifetimes.ike_hard = Duration{c.lifetimes.ike_soft.ns + c.lifetimes.ike_soft.ns / 10};
  c.lifetimes.child_soft = duration(s, "child_rekey", c.lifetimes.child_soft, Duration::s(10));
  c.lifetimes.child_hard = Duration{c.lifetimes.child_soft.ns + c.lifetimes.child_soft.ns / 10};
  c.lifetimes.jitter = Duration{std::min(c.lifetimes.jitter.ns, c.lifetimes.child_soft.ns / 10)};
  c.dpd_delay = duration(s, "dpd_delay", c.dpd_delay, Duration{});
  c.half_open_timeout = duration(s, "half_open_timeout", c.half_open_timeout, Duration::s(1));
  c.cookie_threshold = static_cast<size_t>(
      s.integer_or("cookie_threshold", static_cast<int64_t>(c.cookie_threshold), 0, 1'000'000));
  c.max_half_open = static_cast<size_t>(
      s.integer_or("max_half_open", static_cast<int64_t>(c.max_half_open), 1, 1'000'000));
  c.max_ike_sas = static_cast<size_t>(
      s.integer_or("max_ike_sas", static_cast<int64_t>(c.max_ike_sas), 1, 1'000'000));
  // Every customer child SA is UDP-encapsulated on udp_port (the udp
  // carrier's socket, or on the ip carrier the IKE node's own, which keeps
  // bare ESP off the AH-only raw sockets), so we claim a NAT (§2.23, like
  // strongSwan's encap = yes) and the client floats there.
  c.force_encap = true;
  for (ike::PeerConfig& p : c.peers) {
    p.local_id = local;
    if (p.local_auth.kind == ike::AuthKind::ed25519) {
      if (identity_seed.empty())
        fail(s.line(), "node.identity_key",
             "missing: customer \"" + p.name +
                 "\" authenticates with Ed25519, and this AIN signs with its identity key");
      p.local_auth.ed25519 = identity_seed;
    }
  }
}

std::string pvt_peer_name(core::NodeId peer) {
  return "pvt-ain" + std::to_string(peer);
}

std::string add_ike_pvts(IkeSettings& s, core::NodeId self, const crypto::PrivateKey& identity_seed,
                         const core::Directory& dir) {
  s.self = self;
  const core::AinEntry* me = dir.find(self);
  if (!me) return "this AIN is not in the directory";
  std::optional<crypto::PublicKey> own_pub;
  if (!identity_seed.empty())
    if (auto p = crypto::ed25519_public(identity_seed.span())) own_pub = *p;
  for (const IkePvtSetting& v : s.pvts) {
    const std::string where = std::to_string(v.line) + ": " + v.field + ": ";
    const core::AinEntry* peer = dir.find(v.peer);
    if (!peer) return where + "AIN " + std::to_string(v.peer) + " is not in the directory";
    ike::PeerConfig p;
    p.name = pvt_peer_name(v.peer);
    p.local = {me->address, s.port};
    p.remote = {peer->address, s.port};
    // Both ends know both directory addresses: they are the identities.
    p.local_id = ike::Identity::address(me->address);
    p.remote_id = ike::Identity::address(peer->address);
    if (!v.psk.empty()) {
      p.local_auth.kind = p.remote_auth.kind = ike::AuthKind::psk;
      p.local_auth.psk = p.remote_auth.psk = v.psk;
    } else {
      if (identity_seed.empty()) return where + "\"ike\" needs [node] identity_key (or a psk)";
      // The directory must publish the key we sign with, or the peer
      // (which checks against the directory) refuses every IKE_AUTH.
      if (!own_pub || *own_pub != me->identity_key)
        return where + "[node] identity_key is not the identity_key the directory publishes " +
               "for AIN " + std::to_string(self) + ", so the peer would refuse its IKE_AUTH";
      p.local_auth.kind = p.remote_auth.kind = ike::AuthKind::ed25519;
      p.local_auth.ed25519 = identity_seed;
      p.remote_auth.ed25519 = peer->identity_key;
    }
    // The child SA carries only this PVT's ESP between the two addresses
    // (RFC 4301 §4.4.1: selectors as narrow as the traffic).
    p.local_ts = {ike::TrafficSelector::host(me->address)};
    p.remote_ts = {ike::TrafficSelector::host(peer->address)};
    p.child_pfs = true;  // both ends are ainet: PFS on every child rekey (§1.3.1)
    s.pvt_of_peer[p.name] = v.peer;
    s.engine.peers.push_back(std::move(p));
  }
  return {};
}

}  // namespace ainet::daemon
