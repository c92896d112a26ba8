#include "daemon/config_values.h"

#include <string>

namespace ainet::config_toml {

Duration duration(const Section& s, std::string_view key, Duration def, Duration lo) {
  const toml::node* n = s.get(key);
  if (!n) return def;
  const std::string f = s.field(key);
  constexpr int64_t kMaxSeconds = 10LL * 365 * 24 * 3600;  // ten years: far beyond any sane timeout
  Duration d{};
  if (n->is_integer()) {
    const int64_t v = n->as_integer()->get();
    if (v < 0 || v > kMaxSeconds)
      fail(line_of(*n), f,
           "expected 0.." + std::to_string(kMaxSeconds) + " seconds, got " + std::to_string(v));
    d = Duration::s(v);
  } else if (n->is_string()) {
    const std::string text = n->as_string()->get();
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    const std::string unit = text.substr(digits);
    int64_t scale_ms = -1;
    if (unit == "ms")
      scale_ms = 1;
    else if (unit == "s" || unit.empty())
      scale_ms = 1000;
    else if (unit == "m")
      scale_ms = 60'000;
    else if (unit == "h")
      scale_ms = 3'600'000;
    if (digits == 0 || digits > 12 || scale_ms < 0)
      fail(line_of(*n), f,
           "expected a duration such as 90, \"90s\", \"500ms\", \"2m\" or \"1h\", got \"" + text +
               "\"");
    const int64_t v = std::stoll(text.substr(0, digits));
    if (v * scale_ms / 1000 > kMaxSeconds)
      fail(line_of(*n), f, "duration \"" + text + "\" is longer than ten years");
    d = Duration::ms(v * scale_ms);
  } else {
    fail(line_of(*n), f,
         "expected a duration (integer seconds or a string such as \"90s\"), got " + type_name(*n));
  }
  if (d < lo) fail(line_of(*n), f, "must be at least " + std::to_string(lo.ns / 1'000'000) + " ms");
  return d;
}

io::SocketAddress listen_address(const Section& s, std::string_view key) {
  const toml::node& n = s.require(key);
  const std::string text = s.string_at(n, key);
  const std::string want =
      "expected \"<IPv4>:<port>\" or \"[<IPv6>]:<port>\", e.g. \"127.0.0.1:9548\", got \"" + text +
      "\"";
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size()) fail(line_of(n), s.field(key), want);
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string::npos)
    fail(line_of(n), s.field(key), want);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    fail(line_of(n), s.field(key), want);
  const long port = std::stol(port_text);
  if (port < 1 || port > 65535)
    fail(line_of(n), s.field(key), "port must be 1..65535, got " + port_text);
  auto a = io::SocketAddress::parse(host, static_cast<uint16_t>(port));
  if (!a) fail(line_of(n), s.field(key), want);
  return *a;
}

}  // namespace ainet::config_toml
