#include "daemon/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>

#include "core/link_sizes.h"
#include "daemon/shaping_config.h"
#include "daemon/config_values.h"
#include "daemon/secret_file.h"
#include "daemon/toml_section.h"
#include "io/cpu_latency_qos.h"
#include "io/event_loop.h"
#include "sa/replay_window.h"
#include "util/secret.h"
#include "util/bytes.h"
#include "wire/ip_address.h"
#include "wire/signaling.h"

namespace ainet::daemon {

std::string_view to_string(LogLevel l) {
  switch (l) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "info";
}

namespace {

using namespace config_toml;
using core::BundleKeys;
using wire::IpAddress;
using wire::IpPrefix;

std::string resolve(const std::string& base_dir, const std::string& p) { return resolve_path(base_dir, p); }

// A 32-byte private key given inline (`key = "hex"`) or in a key file
// (`key_file = "path"`, daemon/secret_file.h). Exactly one of the two.
// Returns false when neither is present.
bool private_key(const Section& s, std::string_view key, const std::string& base_dir, std::string_view what,
                 crypto::PrivateKey& out) {
  std::optional<Bytes> k = secret_hex(s, key, base_dir, 32, what);
  if (!k) return false;
  out.assign(*k);
  secure_zero(k->data(), k->size());
  return true;
}

crypto::PublicKey public_key(const Section& s, std::string_view key, std::string_view what) {
  const toml::node& n = s.require(key);
  Bytes k = hex_key(s.string_at(n, key), 32, what, line_of(n), s.field(key));
  crypto::PublicKey pk{};
  std::memcpy(pk.data(), k.data(), 32);
  return pk;
}

IpAddress address(const Section& s, std::string_view key) {
  const toml::node& n = s.require(key);
  const std::string text = s.string_at(n, key);
  auto a = IpAddress::parse(text);
  if (!a) fail(line_of(n), s.field(key), "expected an IPv4 or IPv6 address, got \"" + text + "\"");
  return *a;
}

std::vector<IpPrefix> prefixes(const Section& s, std::string_view key, bool required) {
  const toml::node* n = required ? &s.require(key) : s.get(key);
  std::vector<IpPrefix> out;
  if (!n) return out;
  if (!n->is_array()) fail(line_of(*n), s.field(key), "expected an array of prefixes, got " + type_name(*n));
  size_t i = 0;
  for (const toml::node& e : *n->as_array()) {
    const std::string f = s.field(key) + "[" + std::to_string(i++) + "]";
    if (!e.is_string()) fail(line_of(e), f, "expected a prefix string, got " + type_name(e));
    const std::string text = e.as_string()->get();
    auto p = IpPrefix::parse(text);
    if (!p) fail(line_of(e), f, "expected a prefix such as \"10.0.0.0/8\" or \"2001:db8::/32\", got \"" + text + "\"");
    if (text.find('/') != std::string::npos && p->to_string() != text) {
      // IpPrefix clears host bits; a prefix written with them set is a typo.
      auto a = IpAddress::parse(text.substr(0, text.find('/')));
      if (a && *a != p->address())
        fail(line_of(e), f, "host bits are set in \"" + text + "\" (did you mean \"" + p->to_string() + "\"?)");
    }
    out.push_back(*p);
  }
  return out;
}

// Where each inbound SPI was configured, to refuse collisions (one SAD per AIN:
// an inbound SPI must name exactly one SA, RFC 4301 §4.1).
struct SpiUse {
  std::string field;
  int64_t line;
};

class ConfigReader {
 public:
  ConfigReader(const std::string& base_dir) : base_dir_(base_dir) {}

  AindConfig read(const toml::table& root) {
    AindConfig c;
    Section top(root, "",
                {"node", "directory", "network", "ant", "shaping", "control", "log", "metrics", "process",
                 "pvt", "customer", "responder", "remote_responder", "tickets", "ike"});
    read_node(top, c);
    read_directory(top, c);
    read_network(top, c);
    read_ant(top, c);
    read_shaping(top, c);
    if (const toml::table* t = top.table("control", false)) {
      Section s(*t, "control", {"socket", "export_keys"});
      c.control_socket = s.string_or("socket", c.control_socket);
      c.export_keys = s.boolean_or("export_keys", c.export_keys);
      if (c.control_socket.empty() || c.control_socket.size() >= 108)
        fail(line_of(*s.get("socket")), s.field("socket"), "expected a Unix socket path of 1..107 characters");
    }
    if (const toml::table* t = top.table("log", false)) {
      Section s(*t, "log", {"level"});
      if (s.has("level")) {
        static constexpr LogLevel kLevels[] = {LogLevel::trace, LogLevel::debug, LogLevel::info,
                                               LogLevel::warn,  LogLevel::error, LogLevel::off};
        c.log_level = kLevels[s.choice("level", {"trace", "debug", "info", "warn", "error", "off"})];
      }
    }
    if (const toml::table* t = top.table("metrics", false)) {
      // Off unless given: the endpoint tells who runs which ANTs to anyone who
      // can reach it, so it belongs on loopback or a management network.
      Section s(*t, "metrics", {"listen"});
      c.metrics_listen = listen_address(s, "listen");
    }
    if (const toml::table* t = top.table("process", false)) {
      Section s(*t, "process", {"user"});
      c.run_as_user = s.string_or("user", "");
      if (s.has("user") && c.run_as_user.empty())
        fail(line_of(*s.get("user")), s.field("user"), "expected a user name, got \"\"");
    }
    read_pvts(top, c);
    read_customers(top, "customer", c);
    read_customers(top, "responder", c);
    read_remote_responders(top, c);
    read_ike_section(top, c.engine.carrier == core::Carrier::udp, c.identity_seed, c.ike);
    // [tickets] lives in daemon/ticket_config.cc. Initiators ([[customer]],
    // no `serves`) are the ones an entrance issues tickets for.
    const bool initiators = std::any_of(c.engine.customers.begin(), c.engine.customers.end(),
                                        [](const core::CustomerConfig& cu) { return cu.serves.empty(); });
    read_ticket_section(top, base_dir_, initiators, c.tickets);
    c.engine.tickets = c.tickets.config;
    c.engine.ticket_key = c.tickets.key;
    return c;
  }

 private:
  void read_node(const Section& top, AindConfig& c) {
    Section s(*top.table("node", true), "node",
              {"id", "name", "identity_key", "identity_key_file", "onion_key", "onion_key_file"});
    c.engine.self = static_cast<core::NodeId>(s.integer("id", 1, std::numeric_limits<uint32_t>::max()));
    c.node_name = s.string_or("name", "ain" + std::to_string(c.engine.self));
    if (!private_key(s, "onion_key", base_dir_, "X25519 private key", c.engine.onion_private))
      fail(s.line(), s.field("onion_key"), "missing (required; or give node.onion_key_file)");
    auto onion_pub = crypto::x25519_public(c.engine.onion_private.span());
    if (!onion_pub) fail(s.line(), s.field("onion_key"), "not a usable X25519 private key");
    c.onion_public = *onion_pub;
    if (private_key(s, "identity_key", base_dir_, "Ed25519 seed", c.identity_seed)) {
      auto id_pub = crypto::ed25519_public(c.identity_seed.span());
      if (!id_pub) fail(s.line(), s.field("identity_key"), "not a usable Ed25519 seed");
      c.identity_public = *id_pub;
    }
  }

  void read_directory(const Section& top, AindConfig& c) {
    Section s(*top.table("directory", true), "directory", {"file", "authority_key"});
    c.directory_file = resolve(base_dir_, s.string("file"));
    if (c.directory_file.empty()) fail(line_of(*s.get("file")), s.field("file"), "expected a file path, got \"\"");
    c.authority_key = public_key(s, "authority_key", "Ed25519 public key");
  }

  void read_network(const Section& top, AindConfig& c) {
    const toml::table* t = top.table("network", false);
    if (!t) return;
    Section s(*t, "network",
              {"carrier", "tvt_integrity", "udp_port", "tun_name", "tun_mtu", "tun_offload", "send_thread", "busy_poll_us",
               "cpu_latency_us", "exit_pool"});
    if (s.has("carrier"))
      c.engine.carrier = s.choice("carrier", {"ip", "udp"}) == 0 ? core::Carrier::ip : core::Carrier::udp;
    // docs/protocol.md "TVT data cell": every AIN of a network uses the same.
    if (s.has("tvt_integrity"))
      c.engine.tvt_integrity = s.choice("tvt_integrity", {"aes-gmac-256", "hmac-sha256-128"}) == 0
                                   ? core::TvtIntegrity::aes256_gmac
                                   : core::TvtIntegrity::hmac_sha256_128;
    c.udp_port = static_cast<uint16_t>(s.integer_or("udp_port", c.udp_port, 1, 65535));
    c.tun_name = s.string_or("tun_name", c.tun_name);
    if (c.tun_name.empty() || c.tun_name.size() > 15)  // IFNAMSIZ - 1
      fail(line_of(*s.get("tun_name")), s.field("tun_name"),
           "expected an interface name of 1..15 characters, got \"" + c.tun_name + "\"");
    c.tun_mtu = static_cast<int>(s.integer_or("tun_mtu", c.tun_mtu, 576, 65535));  // RFC 791 minimum
    c.tun_offload = s.boolean_or("tun_offload", c.tun_offload);
    c.send_thread = s.boolean_or("send_thread", c.send_thread);
    c.busy_poll_us = static_cast<int>(s.integer_or("busy_poll_us", c.busy_poll_us, 0, io::kMaxBusyPollUs));
    c.cpu_latency_us = static_cast<int>(s.integer_or("cpu_latency_us", c.cpu_latency_us, -1, io::kMaxCpuLatencyUs));
    c.engine.exit_pool = prefixes(s, "exit_pool", false);
  }

  void read_ant(const Section& top, AindConfig& c) {
    const toml::table* t = top.table("ant", false);
    if (!t) return;
    Section s(*t, "ant",
              {"cell_size", "e2e_aead", "route_length", "lifetime", "inactivity_timeout", "setup_timeout",
               "setup_attempts", "keepalive_interval", "max_ants", "pending_queue", "replay_window"});
    auto& e = c.engine;
    // docs/protocol.md "TVT data cell": the entrance seals what the exit
    // opens, so every AIN of a network uses the same, as with cell_size.
    if (s.has("e2e_aead"))
      e.e2e_aead = s.choice("e2e_aead", {"aes-256-gcm", "chacha20-poly1305"}) == 0
                       ? core::E2eAead::aes256_gcm
                       : core::E2eAead::chacha20_poly1305;
    // A cell carries nonce(16) + type/len(3) + AEAD tag(16) around the
    // datagram (docs/protocol.md "TVT data cell"); 1900 keeps every outer
    // packet inside the daemon's 2048-byte packet buffers.
    e.cell_size = static_cast<size_t>(s.integer_or("cell_size", static_cast<int64_t>(e.cell_size), 128, 1900));
    // Paper §5.4: signaling packets are padded to the length of data cells
    // on the wire (core/link_sizes.h), so a cell must hold a signaling
    // message, and on the ip carrier be a multiple of 4 (ESP alignment).
    if (!core::signaling_size(e.carrier, e.tvt_integrity, e.cell_size, wire::kSignalingSize)) {
      size_t least = 128;
      while (!core::signaling_size(e.carrier, e.tvt_integrity, least, wire::kSignalingSize)) ++least;
      fail(line_of(*s.get("cell_size")), s.field("cell_size"),
           "must be at least " + std::to_string(least) +
               (e.carrier == core::Carrier::ip ? " and a multiple of 4 (ip carrier)" : "") +
               " so that signaling and data packets have one length, got " + std::to_string(e.cell_size));
    }
    // Entrance + exit at least; at most kMaxHops = 8 key-holding hops.
    e.route_length = static_cast<size_t>(s.integer_or("route_length", static_cast<int64_t>(e.route_length), 2, 9));
    e.ant_lifetime = duration(s, "lifetime", e.ant_lifetime, Duration{0});
    e.inactivity_timeout = duration(s, "inactivity_timeout", e.inactivity_timeout, Duration::s(1));
    e.setup_timeout = duration(s, "setup_timeout", e.setup_timeout, Duration::ms(100));
    e.setup_attempts = static_cast<int>(s.integer_or("setup_attempts", e.setup_attempts, 1, 10));
    e.keepalive_interval = duration(s, "keepalive_interval", e.keepalive_interval, Duration::ms(100));
    e.max_ants = static_cast<size_t>(s.integer_or("max_ants", static_cast<int64_t>(e.max_ants), 1, 10'000'000));
    e.pending_queue = static_cast<size_t>(s.integer_or("pending_queue", static_cast<int64_t>(e.pending_queue), 0, 1024));
    // RFC 4303 §3.4.3: the window of each TVT SA, in packets; a whole number
    // of 64-bit words (sa/replay_window.h).
    e.tvt_replay_window = static_cast<uint32_t>(
        s.integer_or("replay_window", e.tvt_replay_window, 64, sa::kMaxReplayWindow));
    if (e.tvt_replay_window % 64 != 0)
      fail(line_of(*s.get("replay_window")), s.field("replay_window"),
           "expected a multiple of 64, got " + std::to_string(e.tvt_replay_window));
  }

  // [shaping] (docs/protocol.md "Shaping"; examples/aind.toml).
  void read_shaping(const Section& top, AindConfig& c) {
    const toml::table* t = top.table("shaping", false);
    if (!t) return;
    Section s(*t, "shaping", {"queue", "pool", "pad_customer", "cover_ants", "ant", "customer"});
    core::ShapingConfig& sh = c.engine.shaping;
    sh.queue = static_cast<size_t>(s.integer_or("queue", static_cast<int64_t>(sh.queue), 1, 65536));
    sh.pool = static_cast<size_t>(s.integer_or("pool", static_cast<int64_t>(sh.pool), 1, 1 << 20));
    sh.pad_customer = s.boolean_or("pad_customer", sh.pad_customer);
    sh.cover_ants = static_cast<size_t>(s.integer_or("cover_ants", static_cast<int64_t>(sh.cover_ants), 0, 64));
    auto profile = [&](std::string_view key) {
      const toml::table* p = s.table(key, false);
      if (!p) return core::ShapingProfile{};
      std::initializer_list<std::string_view> keys = {kShapingProfileKeys[0], kShapingProfileKeys[1],
                                                      kShapingProfileKeys[2], kShapingProfileKeys[3]};
      return read_shaping_profile(Section(*p, s.field(key), keys));
    };
    sh.ant = profile("ant");
    sh.customer = profile("customer");
    // Cover ANTs carry only dummies at the ANT profile's rate: without one
    // they would carry nothing.
    if (sh.cover_ants > 0 && !sh.ant.shaped())
      fail(line_of(*s.get("cover_ants")), s.field("cover_ants"),
           "needs a [shaping.ant] profile other than \"off\" (cover ANTs send at its rate)");
  }

  BundleKeys bundle(const Section& parent, std::string_view dir) {
    const toml::table* t = parent.table(dir, true);
    Section s(*t, parent.field(dir), {"esp_spi", "esp_key", "esp_key_file", "ah_spi", "ah_key", "ah_key_file"});
    BundleKeys k;
    // RFC 4303 §2.1 / RFC 4302 §2.4: SPI 0 is reserved, 1..255 are reserved by IANA.
    k.esp_spi = static_cast<uint32_t>(s.integer("esp_spi", 256, std::numeric_limits<uint32_t>::max()));
    k.ah_spi = static_cast<uint32_t>(s.integer("ah_spi", 256, std::numeric_limits<uint32_t>::max()));
    // RFC 4106 §8.1: AES-256-GCM KEYMAT is the 32-byte key then the 4-byte salt.
    k.esp_key = required_secret_hex(s, "esp_key", base_dir_, 36, "AES-256-GCM key + salt");
    // RFC 4868 §2.1.1: HMAC-SHA-256-128 uses a 256-bit key.
    k.ah_key = required_secret_hex(s, "ah_key", base_dir_, 32, "HMAC-SHA-256 key");
    if (dir == "in") {
      note_inbound_spi(k.esp_spi, line_of(*s.get("esp_spi")), s.field("esp_spi"));
      note_inbound_spi(k.ah_spi, line_of(*s.get("ah_spi")), s.field("ah_spi"));
    }
    return k;
  }

  void note_inbound_spi(uint32_t spi, int64_t line, const std::string& field) {
    auto [it, fresh] = inbound_spis_.emplace(spi, SpiUse{field, line});
    if (!fresh) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%x", spi);
      fail(line, field,
           "inbound SPI " + std::string(hex) + " is already used by " + it->second.field + " (line " +
               std::to_string(it->second.line) + ")");
    }
  }

  const toml::array* table_array(const Section& top, std::string_view key) {
    const toml::node* n = top.get(key);
    if (!n) return nullptr;
    if (!n->is_array_of_tables())
      fail(line_of(*n), std::string(key), "expected [[" + std::string(key) + "]] tables, got " + type_name(*n));
    return n->as_array();
  }

  void read_pvts(const Section& top, AindConfig& c) {
    const toml::array* arr = table_array(top, "pvt");
    if (!arr) return;
    std::map<core::NodeId, int64_t> seen;
    size_t i = 0;
    for (const toml::node& n : *arr) {
      Section s(*n.as_table(), "pvt[" + std::to_string(i++) + "]",
                {"peer", "keying", "tvt_secret", "tvt_secret_file", "out", "in", "psk", "psk_file"});
      core::PvtConfig p;
      const toml::node& peer = s.require("peer");
      p.peer = static_cast<core::NodeId>(s.integer_at(peer, "peer", 1, std::numeric_limits<uint32_t>::max()));
      if (p.peer == c.engine.self) fail(line_of(peer), s.field("peer"), "is this node's own id");
      if (auto [it, fresh] = seen.emplace(p.peer, line_of(peer)); !fresh)
        fail(line_of(peer), s.field("peer"),
             "duplicate PVT to AIN " + std::to_string(p.peer) + " (also at line " + std::to_string(it->second) + ")");
      if (s.choice_or("keying", 0, {"manual", "ike"}) == 1) {
        read_ike_pvt(s, p, c);
        c.engine.pvts.push_back(std::move(p));
        continue;
      }
      for (std::string_view k : {"psk", "psk_file"})
        if (s.has(k)) fail(line_of(*s.get(k)), s.field(k), "only with keying = \"ike\"");
      p.tvt_secret = required_secret_hex(s, "tvt_secret", base_dir_, 32, "TVT key-derivation secret");
      p.out = bundle(s, "out");
      p.in = bundle(s, "in");
      c.engine.pvts.push_back(std::move(p));
    }
  }

  // keying = "ike" (docs/ike.md "PVTs"): no keys here; IKEv2 with the peer
  // negotiates them, authenticated by both node identity keys (or a PSK).
  void read_ike_pvt(const Section& s, core::PvtConfig& p, AindConfig& c) {
    const int64_t line = line_of(*s.get("keying"));
    for (std::string_view k : {"tvt_secret", "tvt_secret_file", "out", "in"})
      if (s.has(k)) fail(line_of(*s.get(k)), s.field(k), "not with keying = \"ike\" (IKEv2 negotiates the keys)");
    if (c.engine.carrier != core::Carrier::udp)
      fail(line, s.field("keying"),
           "\"ike\" needs [network] carrier = \"udp\" (the negotiated ESP is UDP-encapsulated, RFC 3948)");
    IkePvtSetting v;
    v.peer = p.peer;
    v.line = line;
    v.field = s.field("keying");
    if (s.has("psk") && s.has("psk_file")) fail(line_of(*s.get("psk_file")), s.field("psk_file"), "give psk or psk_file, not both");
    std::string psk;
    if (const toml::node* f = s.get("psk_file"))
      psk = read_key_file(resolve(base_dir_, s.string_at(*f, "psk_file")), line_of(*f), s.field("psk_file"));
    else if (s.has("psk"))
      psk = s.string("psk");
    if (s.has("psk") || s.has("psk_file")) {
      const std::string f = s.has("psk") ? "psk" : "psk_file";
      // RFC 7296 §2.15: a short PSK is open to offline dictionary attacks.
      if (psk.size() < 16)
        fail(line_of(*s.get(f)), s.field(f), "a pre-shared key of " + std::to_string(psk.size()) + " characters is guessable; use at least 16");
      v.psk.assign(psk.begin(), psk.end());
      secure_zero(psk.data(), psk.size());
    } else if (c.identity_seed.empty()) {
      fail(line, s.field("keying"), "\"ike\" authenticates with [node] identity_key (RFC 8420), which is missing; or give psk");
    }
    p.ike = true;
    c.ike.pvts.push_back(std::move(v));
  }

  void read_customers(const Section& top, std::string_view kind, AindConfig& c) {
    const toml::array* arr = table_array(top, kind);
    if (!arr) return;
    const bool responder = kind == "responder";
    size_t i = 0;
    for (const toml::node& n : *arr) {
      Section s(*n.as_table(), std::string(kind) + "[" + std::to_string(i++) + "]",
                {"id", "name", "tunnel_address", "serves", "out", "in", "ike"});
      core::CustomerConfig cu;
      const toml::node& idn = s.require("id");
      cu.id = static_cast<uint32_t>(s.integer_at(idn, "id", 1, std::numeric_limits<uint32_t>::max()));
      if (auto [it, fresh] = customer_ids_.emplace(cu.id, SpiUse{s.path(), line_of(idn)}); !fresh)
        fail(line_of(idn), s.field("id"),
             "duplicate id " + std::to_string(cu.id) + " (also " + it->second.field + " at line " +
                 std::to_string(it->second.line) + ")");
      cu.name = s.string_or("name", std::string(kind) + std::to_string(cu.id));
      if (s.has("ike")) {
        // Keyed by IKEv2 at run time (daemon/ike_settings.h): no manual keys,
        // and the outer address is whatever the authenticated client uses.
        // A registered responder (paper §4.4) keeps its configured inner
        // addresses: `serves` bounds its TSi, no CP (ike_settings.h).
        if (responder) {
          cu.serves = prefixes(s, "serves", true);
          if (cu.serves.empty()) fail(line_of(*s.get("serves")), s.field("serves"), "a responder must serve at least one prefix");
        } else if (s.has("serves")) {
          fail(line_of(*s.get("serves")), s.field("serves"), "only a [[responder]] serves prefixes");
        }
        for (std::string_view k : {"tunnel_address", "out", "in"})
          if (s.has(k)) fail(line_of(*s.get(k)), s.field(k), "not with `ike` (IKEv2 negotiates the tunnel)");
        for (const auto& other : c.ike.engine.peers)
          if (other.name == cu.name) fail(line_of(idn), s.field("name"), "another IKE customer is named \"" + cu.name + "\"");
        read_ike_customer(s, cu.id, cu.name, cu.serves, base_dir_, c.ike);
        cu.ike = true;
        c.engine.customers.push_back(std::move(cu));
        continue;
      }
      cu.tunnel_address = address(s, "tunnel_address");
      if (responder) {
        cu.serves = prefixes(s, "serves", true);
        if (cu.serves.empty()) fail(line_of(*s.get("serves")), s.field("serves"), "a responder must serve at least one prefix");
      } else if (s.has("serves")) {
        fail(line_of(*s.get("serves")), s.field("serves"), "only a [[responder]] serves prefixes");
      }
      cu.out = bundle(s, "out");
      cu.in = bundle(s, "in");
      c.engine.customers.push_back(std::move(cu));
    }
  }

  // [[remote_responder]]: a registered responder behind another AIN's exit
  // (paper §4.4, §5.3). The directory does not list customers, so the
  // entrance learns here which destinations go to which exit, named in CREATE
  // by responder id (docs/protocol.md "Exit delivery"). Whether `exit` is in
  // the directory is checked once the directory is loaded
  // (check_remote_responders, daemon/ain_node.h).
  void read_remote_responders(const Section& top, AindConfig& c) {
    const toml::array* arr = table_array(top, "remote_responder");
    if (!arr) return;
    std::map<std::string, SpiUse> served;  // prefix -> where it was first given
    size_t i = 0;
    for (const toml::node& n : *arr) {
      Section s(*n.as_table(), "remote_responder[" + std::to_string(i++) + "]", {"exit", "responder_id", "serves"});
      core::RemoteResponder rr;
      const toml::node& ex = s.require("exit");
      rr.exit = static_cast<core::NodeId>(s.integer_at(ex, "exit", 1, std::numeric_limits<uint32_t>::max()));
      // The engine never routes to itself as exit; a responder of this AIN is a [[responder]].
      if (rr.exit == c.engine.self)
        fail(line_of(ex), s.field("exit"), "is this node's own id (a responder of this AIN is a [[responder]])");
      rr.responder_id =
          static_cast<uint32_t>(s.integer("responder_id", 1, std::numeric_limits<uint32_t>::max()));
      rr.serves = prefixes(s, "serves", true);
      if (rr.serves.empty())
        fail(line_of(*s.get("serves")), s.field("serves"), "a remote responder must serve at least one prefix");
      // The engine takes the first match; the same prefix twice would silently
      // ignore the second entry.
      const toml::array& texts = *s.get("serves")->as_array();
      for (size_t k = 0; k < rr.serves.size(); ++k) {
        const std::string f = s.field("serves") + "[" + std::to_string(k) + "]";
        const int64_t line = line_of(texts[k]);
        if (auto [it, fresh] = served.emplace(rr.serves[k].to_string(), SpiUse{f, line}); !fresh)
          fail(line, f,
               "prefix " + rr.serves[k].to_string() + " is already served by " + it->second.field + " (line " +
                   std::to_string(it->second.line) + ")");
      }
      c.engine.remote_responders.push_back(std::move(rr));
    }
  }

  std::string base_dir_;
  std::map<uint32_t, SpiUse> inbound_spis_;
  std::map<uint32_t, SpiUse> customer_ids_;
};

}  // namespace

ConfigLoad parse_config(std::string_view text, std::string_view file_name, const std::string& base_dir) {
  ConfigLoad out;
  const std::string name(file_name);
  out.error = config_toml::parse_and_read(text, name, [&](const toml::table& root) {
    out.config = ConfigReader(base_dir).read(root);
  });
  out.ok = out.error.empty();
  return out;
}

ConfigLoad load_config(const std::string& path) {
  std::string text;
  if (std::string err = config_toml::read_config_file(path, &text); !err.empty()) {
    ConfigLoad out;
    out.error = err;
    return out;
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
  return parse_config(text, path, dir);
}

}  // namespace ainet::daemon
