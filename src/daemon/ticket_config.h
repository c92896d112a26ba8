// aind's [tickets] section (examples/aind.toml; docs/protocol.md "Tickets"):
// the time-slice ticket settings and, for an AIN that serves customers as an
// entrance, its RSA-2048 ticket signing key. Kept apart from config.cc so
// the ticket keys stay in one place.
#pragma once
#include <string>

#include "core/ticket_config.h"
#include "crypto/blind_rsa.h"

namespace ainet::config_toml {
class Section;
}

namespace ainet::daemon {

struct TicketSettings {
  core::TicketConfig config;       // enabled, slice, grace, quotas, capacities
  std::string key_file;            // resolved path; "" if not given
  crypto::BlindRsaPrivateKey key;  // loaded from key_file (valid() iff given)
};

// Reads the optional [tickets] table of `top` into `out`. Throws
// config_toml::ConfigError (file:line: field: message at the edge) on any
// mistake. `has_customers`: this AIN has [[customer]] entries, so with
// tickets enabled it issues tickets and needs key_file.
void read_ticket_section(const config_toml::Section& top, const std::string& base_dir,
                         bool has_customers, TicketSettings& out);

}  // namespace ainet::daemon
