// Secrets in a configuration file: a key given inline (`esp_key = "hex"`) or
// kept out of the main file in a key file (`esp_key_file = "path"`), which
// holds the hex as `ainctl genkey` writes it. Shared by aind's config and the
// endpoint's.
//
// A key file must be a regular file that neither group nor others may read
// or write (chmod 600): anyone who can read it can decrypt or forge this
// node's traffic. Anything else is refused with the usual
//   aind.toml:14: pvt[0].out.esp_key_file: "/etc/ainet/keys/p2.esp" is readable by group or others
//   (mode 0644): chmod 600 it
// Relative paths are relative to the config file's directory.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/toml_section.h"
#include "util/bytes.h"

namespace ainet::config_toml {

// The key file's contents with surrounding whitespace removed; throws
// ConfigError naming `line` and `field` when it cannot be read, is no regular
// file, is group/other accessible or is longer than 4096 bytes.
std::string read_key_file(const std::string& path, int64_t line, const std::string& field);

// `key` inline or `key`_file in `s` (exactly one of them; both is an error),
// decoded as exactly `bytes` bytes of hex (`what` names the size in
// messages). std::nullopt when neither is given. The hex text is wiped.
std::optional<Bytes> secret_hex(const Section& s, std::string_view key, const std::string& base_dir,
                                size_t bytes, std::string_view what);
// The same, required: neither is "<key>: missing (required; or give <key>_file)".
Bytes required_secret_hex(const Section& s, std::string_view key, const std::string& base_dir,
                          size_t bytes, std::string_view what);

std::string resolve_path(const std::string& base_dir, const std::string& p);

}  // namespace ainet::config_toml
