#include "endpoint/endpoint_config.h"

#include <cstdio>
#include <initializer_list>
#include <toml++/toml.h>

#include "daemon/shaping_config.h"
#include "daemon/config_values.h"
#include "daemon/secret_file.h"
#include "daemon/toml_section.h"
#include "endpoint/endpoint_ike_config.h"
#include "io/cpu_latency_qos.h"
#include "io/event_loop.h"
#include "util/bytes.h"

namespace ainet::endpoint {
namespace {

using namespace config_toml;

using wire::IpAddress;
using wire::IpPrefix;

// Keys inline (esp_key = "hex") or in key files (esp_key_file = "path",
// relative to the config's directory, chmod 600; daemon/secret_file.h).
core::BundleKeys bundle_keys(const toml::table& t, const std::string& path, const std::string& base_dir) {
  Section s(t, path, {"esp_spi", "esp_key", "esp_key_file", "ah_spi", "ah_key", "ah_key_file"});
  core::BundleKeys k;
  // RFC 4303 §2.1 / RFC 4302 §2.4: SPIs 1..255 are reserved by IANA, 0 is local.
  k.esp_spi = static_cast<uint32_t>(s.integer("esp_spi", 256, 0xFFFFFFFF));
  k.esp_key = required_secret_hex(s, "esp_key", base_dir, 36, "AES-256-GCM key + salt, RFC 4106 §8.1");
  k.ah_spi = static_cast<uint32_t>(s.integer("ah_spi", 256, 0xFFFFFFFF));
  k.ah_key = required_secret_hex(s, "ah_key", base_dir, 32, "HMAC-SHA-256 key, RFC 4868");
  return k;
}

EndpointConfig read(const toml::table& root, const std::string& base_dir) {
  for (auto&& [k, v] : root)
    if (k.str() != "endpoint" && k.str() != "control" && k.str() != "metrics" && k.str() != "process" &&
        k.str() != "shaping")
      fail(line_of(v), std::string(k.str()), "unknown key");
  const toml::node* ep = root.get("endpoint");
  if (!ep) fail(1, "endpoint", "missing (required)");
  if (!ep->is_table()) fail(line_of(*ep), "endpoint", "expected a table, got " + type_name(*ep));
  Section e(*ep->as_table(), "endpoint",
            {"name", "role", "anonymity_option", "ain_address", "tunnel_address", "carrier",
             "udp_port", "tun_name", "tun_mtu", "tun_offload", "busy_poll_us", "cpu_latency_us", "inner_addresses", "routes",
             "flow_idle_timeout", "out", "in", "ike"});
  const bool ike = e.has("ike");
  EndpointConfig c;
  c.name = e.string_or("name", "endpoint");
  c.role = e.choice_or("role", 0, {"initiator", "responder"}) == 0 ? Role::initiator : Role::responder;
  c.anonymity_option = static_cast<int>(e.integer_or("anonymity_option", 1, 1, 2));
  c.ain_address = e.address("ain_address");
  c.tunnel_address = e.address("tunnel_address");
  if (c.ain_address.family() != c.tunnel_address.family())
    fail(line_of(e.require("tunnel_address")), e.field("tunnel_address"),
         "must be of the same family as endpoint.ain_address (" + c.ain_address.to_string() + ")");
  c.carrier = e.choice_or("carrier", 0, {"ip", "udp"}) == 0 ? core::Carrier::ip : core::Carrier::udp;
  c.udp_port = static_cast<uint16_t>(e.integer_or("udp_port", 4500, 1, 65535));
  c.tun_name = e.string_or("tun_name", "ainc0");
  if (c.tun_name.empty() || c.tun_name.size() > 15 || c.tun_name.find_first_of("/ \t") != std::string::npos)
    fail(line_of(*e.get("tun_name")), e.field("tun_name"),
         "expected an interface name of 1..15 characters without '/' or spaces, got \"" + c.tun_name + "\"");
  // RFC 791 / RFC 8200 §5: IPv4 needs 576, IPv6 1280; we check the lower one
  // here and the IPv6 one against the inner addresses below.
  c.tun_mtu = static_cast<int>(e.integer_or("tun_mtu", 1300, 576, 9000));
  c.tun_offload = e.boolean_or("tun_offload", c.tun_offload);
  c.busy_poll_us = static_cast<int>(e.integer_or("busy_poll_us", c.busy_poll_us, 0, io::kMaxBusyPollUs));
  c.cpu_latency_us = static_cast<int>(e.integer_or("cpu_latency_us", c.cpu_latency_us, -1, io::kMaxCpuLatencyUs));
  // An IKE initiator gets its inner address from the AIN (CP, RFC 7296 §3.15).
  const bool cp = ike && c.role == Role::initiator;
  if (cp && e.has("inner_addresses"))
    fail(line_of(*e.get("inner_addresses")), e.field("inner_addresses"),
         "not with endpoint.ike on an initiator: the AIN assigns the inner address (CP)");
  if (cp && c.anonymity_option != 1)
    fail(line_of(*e.get("anonymity_option")), e.field("anonymity_option"),
         "endpoint.ike on an initiator means option 1 (the AIN assigns the inner address)");
  if (!cp) e.strings("inner_addresses", "addresses", [&](int64_t line, const std::string& f, const std::string& text) {
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
  // Like aind's inactivity_timeout: the AIN ends an ANT idle that long, so
  // the endpoint forgets the pair then too.
  c.flow_idle_timeout = duration(e, "flow_idle_timeout", c.flow_idle_timeout, Duration::s(1));
  if (ike) {
    for (std::string_view k : {"out", "in"})
      if (e.has(k)) fail(line_of(*e.get(k)), e.field(k), "not with endpoint.ike (IKEv2 negotiates the keys)");
    read_endpoint_ike(e, c, base_dir);
  } else {
    c.out = bundle_keys(e.table_ref("out"), "endpoint.out", base_dir);
    c.in = bundle_keys(e.table_ref("in"), "endpoint.in", base_dir);
  }
  // The SPIs this host receives on must differ (the AIN's outbound SPIs).
  if (!ike && c.carrier == core::Carrier::ip && c.in.esp_spi == c.in.ah_spi)
    fail(line_of(*e.table_ref("in").get("ah_spi")), "endpoint.in.ah_spi", "equals endpoint.in.esp_spi");

  if (const toml::node* ctl = root.get("control")) {
    if (!ctl->is_table()) fail(line_of(*ctl), "control", "expected a table, got " + type_name(*ctl));
    Section s(*ctl->as_table(), "control", {"socket"});
    c.control_socket = s.string_or("socket", "");
  }
  if (const toml::node* sh = root.get("shaping")) {
    if (!sh->is_table()) fail(line_of(*sh), "shaping", "expected a table, got " + type_name(*sh));
    Section s(*sh->as_table(), "shaping", {"profile", "rate", "levels", "interval", "pad", "queue"});
    c.shaping = daemon::read_shaping_profile(s);
    c.pad = s.boolean_or("pad", false);
    c.queue = static_cast<size_t>(s.integer_or("queue", 64, 1, 65536));
    // A padded packet must fit the endpoint's 2048-byte packet buffers.
    if (c.pad && c.tun_mtu > 1900)
      fail(line_of(*s.get("pad")), s.field("pad"),
           "needs endpoint.tun_mtu <= 1900 (padded packets are tun_mtu bytes of ESP payload), got " +
               std::to_string(c.tun_mtu));
  }
  if (const toml::node* m = root.get("metrics")) {
    if (!m->is_table()) fail(line_of(*m), "metrics", "expected a table, got " + type_name(*m));
    Section s(*m->as_table(), "metrics", {"listen"});
    c.metrics_listen = listen_address(s, "listen");
  }
  if (const toml::node* p = root.get("process")) {
    if (!p->is_table()) fail(line_of(*p), "process", "expected a table, got " + type_name(*p));
    Section s(*p->as_table(), "process", {"user"});
    c.run_as_user = s.string_or("user", "");
    if (s.has("user") && c.run_as_user.empty())
      fail(line_of(*s.get("user")), s.field("user"), "expected a user name, got \"\"");
  }
  return c;
}

}  // namespace

EndpointConfigLoad parse_endpoint_config(std::string_view text, std::string_view file_name,
                                         const std::string& base_dir) {
  EndpointConfigLoad out;
  const std::string name(file_name);
  out.error = config_toml::parse_and_read(text, name, [&](const toml::table& root) {
    out.config = read(root, base_dir);
  });
  out.ok = out.error.empty();
  return out;
}

EndpointConfigLoad load_endpoint_config(const std::string& path) {
  std::string text;
  if (std::string err = config_toml::read_config_file(path, &text); !err.empty()) {
    EndpointConfigLoad out;
    out.error = err;
    return out;
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
  return parse_endpoint_config(text, path, dir);
}

}  // namespace ainet::endpoint
