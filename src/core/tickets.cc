// Time-slice tickets in the engine (paper §5.4 "Ticket"; docs/protocol.md
// "Tickets"): the entrance signs one ticket per CREATE within its
// customer's quota, every later hop checks the ticket before it does any
// other work for the CREATE (signaling.cc), and the entrance holds each
// customer to quota_cells datagrams per slice. The ticket classes
// themselves are ticket_issuer.* and ticket_verifier.*.
#include <algorithm>

#include "core/engine.h"

namespace ainet::core {

void Engine::set_wall_clock(Time now, uint64_t unix_seconds) {
  unix_offset_s_ = static_cast<int64_t>(unix_seconds) - now.ns / 1'000'000'000;
}

uint64_t Engine::unix_now(Time now) const {
  const int64_t s = unix_offset_s_ + now.ns / 1'000'000'000;
  return s < 0 ? 0 : static_cast<uint64_t>(s);
}

Status Engine::init_tickets() {
  if (!cfg_.tickets.enabled) return Errc::ok;
  if (cfg_.tickets.slice_seconds == 0 || 2 * cfg_.tickets.grace_seconds >= cfg_.tickets.slice_seconds)
    return Errc::invalid_argument;
  verifier_ = std::make_unique<TicketVerifier>(cfg_.tickets, rng_);
  verifier_->set_issuers(*dir_);
  if (!cfg_.ticket_key.valid()) return Errc::ok;  // a relay/exit only: checks, never signs
  // The key must be the one the directory publishes for this AIN, or no hop
  // would accept what it signs.
  const AinEntry* self = dir_->find(cfg_.self);
  if (!self || !self->ticket_key.valid() || !cfg_.ticket_key.public_key().same_key(self->ticket_key))
    return Errc::invalid_argument;
  issuer_ = std::make_unique<TicketIssuer>(cfg_.self, cfg_.ticket_key, cfg_.tickets);
  if (!issuer_->usable()) return Errc::invalid_argument;
  return Errc::ok;
}

Status Engine::ticket_for(Time now, const Ant& a, wire::SignalingMessage& c) {
  if (!cfg_.tickets.enabled) return Errc::ok;  // the ticket field stays zero
  if (!issuer_) return Errc::unsupported;      // tickets on, but no key to sign with
  // Cover ANTs are this AIN's own: they count against a quota of their own.
  const uint32_t who = a.cover ? UINT32_MAX : customers_[a.customer].cfg.id;
  auto t = issuer_->issue(who, unix_now(now), rng_);
  if (!t) return t.error() == Errc::limit ? Errc::over_quota : t.error();
  return wire::serialize_ticket(*t, c.ticket);
}

bool Engine::within_cell_quota(Time now, Customer& c) {
  const TicketConfig& t = cfg_.tickets;
  if (!t.enabled || t.quota_cells == 0) return true;
  const uint64_t slice = slice_of(unix_now(now), t.slice_seconds);
  if (slice != c.cells_slice) {
    c.cells_slice = slice;
    c.cells_in_slice = 0;
  }
  // Never more than quota_cells in one slice, and spread over it: a token
  // bucket filled at quota_cells per slice, at most a tenth of the quota
  // deep. Without it a flooder would spend a whole slice's quota in one
  // burst at the start of every slice and congest the links for everyone.
  const double depth = std::max(1.0, t.quota_cells / 10.0);
  const double per_ns = static_cast<double>(t.quota_cells) / (static_cast<double>(t.slice_seconds) * 1e9);
  if (c.cell_tokens < 0) c.cell_tokens = depth;
  else c.cell_tokens = std::min(depth, c.cell_tokens + static_cast<double>((now - c.tokens_at).ns) * per_ns);
  c.tokens_at = now;
  if (c.cells_in_slice >= t.quota_cells || c.cell_tokens < 1.0) {
    ++stats_.cells_over_quota;
    drop(Errc::over_quota);
    return false;
  }
  c.cell_tokens -= 1.0;
  ++c.cells_in_slice;
  return true;
}

}  // namespace ainet::core
