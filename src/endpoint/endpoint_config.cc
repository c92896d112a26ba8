#include "endpoint/endpoint_config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <toml++/toml.h>

#include "util/bytes.h"

namespace ainet::endpoint {
namespace {

using wire::IpAddress;
using wire::IpPrefix;

// Thrown inside the loader only (never on the packet path) and turned into
// one message at its edge.
struct ConfigError {
  int64_t line;
  std::string field;
  std::string what;
};

[[noreturn]] void fail(int64_t line, std::string field, std::string what) {
  throw ConfigError{line, std::move(field), std::move(what)};
}

int64_t line_of(const toml::node& n) { return static_cast<int64_t>(n.source().begin.line); }

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

// A table being read: its dotted path for messages; keys outside `allowed`
// are refused up front.
class Section {
 public:
  Section(const toml::table& t, std::string path, std::initializer_list<std::string_view> allowed)
      : t_(t), path_(std::move(path)) {
    for (auto&& [k, v] : t_) {
      bool known = false;
      for (std::string_view a : allowed) known = known || k.str() == a;
      if (!known) fail(line_of(v), field(k.str()), "unknown key");
    }
  }
  std::string field(std::string_view key) const { return path_ + "." + std::string(key); }
  const toml::node* get(std::string_view key) const { return t_.get(key); }
  const toml::node& require(std::string_view key) const {
    const toml::node* n = get(key);
    if (!n) fail(line_of(t_), field(key), "missing (required)");
    return *n;
  }
  int64_t integer_at(const toml::node& n, std::string_view key, int64_t lo, int64_t hi) const {
    if (!n.is_integer()) fail(line_of(n), field(key), "expected an integer, got " + type_name(n));
    const int64_t v = n.as_integer()->get();
    if (v < lo || v > hi)
      fail(line_of(n), field(key),
           "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
  }
  int64_t integer(std::string_view key, int64_t lo, int64_t hi) const { return integer_at(require(key), key, lo, hi); }
  int64_t integer_or(std::string_view key, int64_t def, int64_t lo, int64_t hi) const {
    const toml::node* n = get(key);
    return n ? integer_at(*n, key, lo, hi) : def;
  }
  std::string string_at(const toml::node& n, std::string_view key) const {
    if (!n.is_string()) fail(line_of(n), field(key), "expected a string, got " + type_name(n));
    return n.as_string()->get();
  }
  std::string string(std::string_view key) const { return string_at(require(key), key); }
  std::string string_or(std::string_view key, std::string def) const {
    const toml::node* n = get(key);
    return n ? string_at(*n, key) : def;
  }
  const toml::table& table(std::string_view key) const {
    const toml::node& n = require(key);
    if (!n.is_table()) fail(line_of(n), field(key), "expected a table, got " + type_name(n));
    return *n.as_table();
  }
  IpAddress address(std::string_view key) const {
    const toml::node& n = require(key);
    const std::string text = string_at(n, key);
    auto a = IpAddress::parse(text);
    if (!a) fail(line_of(n), field(key), "expected an IPv4 or IPv6 address, got \"" + text + "\"");
    return *a;
  }
  // A non-empty array of strings, each handed to `each(line, field, text)`.
  template <typename F>
  void strings(std::string_view key, std::string_view what, F&& each) const {
    const toml::node& n = require(key);
    if (!n.is_array()) fail(line_of(n), field(key), "expected an array of " + std::string(what) + ", got " + type_name(n));
    if (n.as_array()->empty()) fail(line_of(n), field(key), "empty (give at least one)");
    size_t i = 0;
    for (const toml::node& e : *n.as_array()) {
      const std::string f = field(key) + "[" + std::to_string(i++) + "]";
      if (!e.is_string()) fail(line_of(e), f, "expected a string, got " + type_name(e));
      each(line_of(e), f, e.as_string()->get());
    }
  }

 private:
  const toml::table& t_;
  std::string path_;
};

Bytes hex_key(const Section& s, std::string_view key, size_t bytes, std::string_view what) {
  const toml::node& n = s.require(key);
  const std::string text = s.string_at(n, key);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex)
      fail(line_of(n), s.field(key),
           "expected hex characters, found '" + std::string(1, c) + "' at position " + std::to_string(i));
  }
  if (text.size() != bytes * 2)
    fail(line_of(n), s.field(key),
         "expected " + std::to_string(bytes * 2) + " hex characters (" + std::string(what) + "), got " +
             std::to_string(text.size()));
  auto b = from_hex(text);
  if (!b) fail(line_of(n), s.field(key), "not valid hex");
  return std::move(b).value();
}

core::BundleKeys bundle_keys(const toml::table& t, const std::string& path) {
  Section s(t, path, {"esp_spi", "esp_key", "ah_spi", "ah_key"});
  core::BundleKeys k;
  // RFC 4303 §2.1 / RFC 4302 §2.4: SPIs 1..255 are reserved by IANA, 0 is local.
  k.esp_spi = static_cast<uint32_t>(s.integer("esp_spi", 256, 0xFFFFFFFF));
  k.esp_key = hex_key(s, "esp_key", 36, "AES-256-GCM key + salt, RFC 4106 §8.1");
  k.ah_spi = static_cast<uint32_t>(s.integer("ah_spi", 256, 0xFFFFFFFF));
  k.ah_key = hex_key(s, "ah_key", 32, "HMAC-SHA-256 key, RFC 4868");
  return k;
}

EndpointConfig read(const toml::table& root) {
  for (auto&& [k, v] : root)
    if (k.str() != "endpoint" && k.str() != "control") fail(line_of(v), std::string(k.str()), "unknown key");
  const toml::node* ep = root.get("endpoint");
  if (!ep) fail(1, "endpoint", "missing (required)");
  if (!ep->is_table()) fail(line_of(*ep), "endpoint", "expected a table, got " + type_name(*ep));
  Section e(*ep->as_table(), "endpoint",
            {"name", "role", "anonymity_option", "ain_address", "tunnel_address", "carrier", "udp_port",
             "tun_name", "tun_mtu", "inner_addresses", "routes", "out", "in"});
  EndpointConfig c;
  c.name = e.string_or("name", "endpoint");
  const std::string role = e.string_or("role", "initiator");
  if (role == "initiator") {
    c.role = Role::initiator;
  } else if (role == "responder") {
    c.role = Role::responder;
  } else {
    fail(line_of(*e.get("role")), e.field("role"), "expected \"initiator\" or \"responder\", got \"" + role + "\"");
  }
  c.anonymity_option = static_cast<int>(e.integer_or("anonymity_option", 1, 1, 2));
  c.ain_address = e.address("ain_address");
  c.tunnel_address = e.address("tunnel_address");
  if (c.ain_address.family() != c.tunnel_address.family())
    fail(line_of(e.require("tunnel_address")), e.field("tunnel_address"),
         "must be of the same family as endpoint.ain_address (" + c.ain_address.to_string() + ")");
  const std::string carrier = e.string_or("carrier", "ip");
  if (carrier == "ip") {
    c.carrier = core::Carrier::ip;
  } else if (carrier == "udp") {
    c.carrier = core::Carrier::udp;
  } else {
    fail(line_of(*e.get("carrier")), e.field("carrier"), "expected \"ip\" or \"udp\", got \"" + carrier + "\"");
  }
  c.udp_port = static_cast<uint16_t>(e.integer_or("udp_port", 4500, 1, 65535));
  c.tun_name = e.string_or("tun_name", "ainc0");
  if (c.tun_name.empty() || c.tun_name.size() > 15 || c.tun_name.find_first_of("/ \t") != std::string::npos)
    fail(line_of(*e.get("tun_name")), e.field("tun_name"),
         "expected an interface name of 1..15 characters without '/' or spaces, got \"" + c.tun_name + "\"");
  // RFC 791 / RFC 8200 §5: IPv4 needs 576, IPv6 1280; we check the lower one
  // here and the IPv6 one against the inner addresses below.
  c.tun_mtu = static_cast<int>(e.integer_or("tun_mtu", 1300, 576, 9000));
  e.strings("inner_addresses", "addresses", [&](int64_t line, const std::string& f, const std::string& text) {
    auto a = IpAddress::parse(text);
    if (!a) fail(line, f, "expected an IPv4 or IPv6 address, got \"" + text + "\"");
    if (a->is_v6() && c.tun_mtu < 1280)
      fail(line, f, "IPv6 needs a tun_mtu of at least 1280 (RFC 8200 §5), got " + std::to_string(c.tun_mtu));
    c.inner_addresses.push_back(*a);
  });
  e.strings("routes", "prefixes", [&](int64_t line, const std::string& f, const std::string& text) {
    auto p = IpPrefix::parse(text);
    if (!p) fail(line, f, "expected a prefix such as \"10.0.0.0/8\" or \"2001:db8::/32\", got \"" + text + "\"");
    if (text.find('/') != std::string::npos && p->to_string() != text) {
      auto a = IpAddress::parse(text.substr(0, text.find('/')));
      if (a && *a != p->address())
        fail(line, f, "host bits are set in \"" + text + "\" (did you mean \"" + p->to_string() + "\"?)");
    }
    c.routes.push_back(*p);
  });
  c.out = bundle_keys(e.table("out"), "endpoint.out");
  c.in = bundle_keys(e.table("in"), "endpoint.in");
  // The SPIs this host receives on must differ (the AIN's outbound SPIs).
  if (c.carrier == core::Carrier::ip && c.in.esp_spi == c.in.ah_spi)
    fail(line_of(*e.table("in").get("ah_spi")), "endpoint.in.ah_spi", "equals endpoint.in.esp_spi");

  if (const toml::node* ctl = root.get("control")) {
    if (!ctl->is_table()) fail(line_of(*ctl), "control", "expected a table, got " + type_name(*ctl));
    Section s(*ctl->as_table(), "control", {"socket"});
    c.control_socket = s.string_or("socket", "");
  }
  return c;
}

}  // namespace

EndpointConfigLoad parse_endpoint_config(std::string_view text, std::string_view file_name) {
  EndpointConfigLoad out;
  const std::string name(file_name);
  // As in aind's loader: toml++ 3.3.0 misbehaves on some non-ASCII code points
  // (upstream #295); a config file needs none.
  int64_t line = 1;
  for (unsigned char ch : text) {
    if (ch == '\n') ++line;
    if (ch >= 0x80) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", ch);
      out.error = name + ":" + std::to_string(line) + ": non-ASCII byte " + hex + " (the file must be ASCII)";
      return out;
    }
  }
  try {
    toml::table root = toml::parse(text, name);
    out.config = read(root);
    out.ok = true;
  } catch (const toml::parse_error& e) {
    out.error = name + ":" + std::to_string(e.source().begin.line) + ": TOML syntax error: " +
                std::string(e.description());
  } catch (const ConfigError& e) {
    out.error = name + ":" + std::to_string(e.line) + ": " + e.field + ": " + e.what;
  }
  return out;
}

EndpointConfigLoad load_endpoint_config(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    EndpointConfigLoad out;
    out.error = path + ": cannot read: " + std::strerror(errno);
    return out;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_endpoint_config(ss.str(), path);
}

}  // namespace ainet::endpoint
