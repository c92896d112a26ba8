#include "daemon/ticket_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/directory.h"
#include "daemon/toml_section.h"

namespace ainet::daemon {

using namespace config_toml;

void read_ticket_section(const Section& top, const std::string& base_dir, bool has_customers,
                         TicketSettings& out) {
  const toml::table* t = top.table("tickets", false);
  if (!t) return;
  Section s(*t, "tickets",
            {"enabled", "key_file", "slice_seconds", "grace_seconds", "quota_ants", "max_customers",
             "issuer_cap", "spent_capacity"});
  core::TicketConfig& c = out.config;
  c.enabled = s.boolean_or("enabled", c.enabled);
  c.slice_seconds = static_cast<uint64_t>(
      s.integer_or("slice_seconds", static_cast<int64_t>(c.slice_seconds), 1, 86400));
  c.grace_seconds = static_cast<uint64_t>(
      s.integer_or("grace_seconds", static_cast<int64_t>(c.grace_seconds), 0, 43200));
  // At most two slices may be valid at one moment (the verifier keeps two
  // spent tables), so the grace must stay under half a slice.
  if (2 * c.grace_seconds >= c.slice_seconds)
    fail(s.has("grace_seconds") ? line_of(*s.get("grace_seconds")) : s.line(),
         s.field("grace_seconds"),
         "must be less than half of tickets.slice_seconds (" + std::to_string(c.slice_seconds) +
             "), got " + std::to_string(c.grace_seconds));
  c.quota_ants = static_cast<uint32_t>(s.integer_or("quota_ants", c.quota_ants, 1, 1'000'000));
  c.max_customers =
      static_cast<uint32_t>(s.integer_or("max_customers", c.max_customers, 1, 1'000'000));
  c.issuer_cap = static_cast<uint32_t>(s.integer_or("issuer_cap", c.issuer_cap, 1, 100'000'000));
  // 2^22 tickets: 2 tables of 2^23 20-byte entries (~336 MB) at most.
  c.spent_capacity =
      static_cast<uint32_t>(s.integer_or("spent_capacity", c.spent_capacity, 1, 1 << 22));

  if (const toml::node* kf = s.get("key_file")) {
    const std::string rel = s.string_at(*kf, "key_file");
    if (rel.empty()) fail(line_of(*kf), s.field("key_file"), "expected a file path, got \"\"");
    out.key_file = rel[0] == '/' || base_dir.empty() ? rel : base_dir + "/" + rel;
    std::ifstream f(out.key_file);
    if (!f)
      fail(line_of(*kf), s.field("key_file"),
           "cannot read \"" + out.key_file + "\": " + std::strerror(errno));
    std::stringstream ss;
    ss << f.rdbuf();
    std::string pem = ss.str();
    auto key = crypto::BlindRsaPrivateKey::from_pem(pem);
    secure_zero(pem.data(), pem.size());
    if (!key)
      fail(line_of(*kf), s.field("key_file"),
           "\"" + out.key_file + "\": not an unencrypted PEM RSA private key");
    // The directory's ticket_key is RSA-2048 with e = 65537 (the ticket
    // carries a 256-byte signature).
    const auto& pub = key->public_key();
    if (pub.modulus_bits() != core::kTicketKeyBits || pub.public_exponent() != 65537)
      fail(line_of(*kf), s.field("key_file"),
           "\"" + out.key_file + "\": an RSA key of " + std::to_string(pub.modulus_bits()) +
               " bits with e = " + std::to_string(pub.public_exponent()) +
               "; tickets need RSA-2048 with e = 65537");
    out.key = std::move(*key);
  } else if (c.enabled && has_customers) {
    fail(s.line(), s.field("key_file"),
         "missing (required when tickets are enabled and this AIN has [[customer]] entries: "
         "it issues their tickets)");
  }
}

}  // namespace ainet::daemon
