// Typed values shared by aind's and ain-endpoint's configuration loaders
// (daemon/config.cc, endpoint/endpoint_config.cc): durations and listen
// addresses. Each refusal throws ConfigError naming the line and the field.
#pragma once
#include <string_view>

#include "daemon/toml_section.h"
#include "io/socket_address.h"
#include "util/time.h"

namespace ainet::config_toml {

// `key` as a duration: 90 (seconds), "90", "90s", "500ms", "2m", "1h";
// `def` when absent; at least `lo`, at most ten years.
Duration duration(const Section& s, std::string_view key, Duration def, Duration lo);

// `key` as "<IPv4>:<port>" or "[<IPv6>]:<port>" (numeric; port 1..65535).
io::SocketAddress listen_address(const Section& s, std::string_view key);

}  // namespace ainet::config_toml
