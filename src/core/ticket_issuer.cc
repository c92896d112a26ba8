#include "core/ticket_issuer.h"

#include <algorithm>

namespace ainet::core {

TicketClient::TicketClient(NodeId issuer, crypto::BlindRsaPublicKey issuer_key)
    : issuer_(issuer),
      client_(issuer_key, kTicketVariant),
      usable_(issuer != 0 && issuer_key.valid() &&
              issuer_key.modulus_bytes() == wire::kTicketSignatureSize) {}

Errc TicketClient::request(uint64_t slice, crypto::Rng& rng, Request& out) const {
  if (!usable_) return Errc::invalid_argument;
  out.draft = wire::Ticket{};
  out.draft.issuer = issuer_;
  out.draft.slice = slice;
  rng.fill(out.draft.nonce);  // the message's entropy (docs/protocol.md "Tickets")
  const wire::TicketMessage msg = wire::ticket_message(out.draft);
  // PrepareIdentity: input_msg = msg (kTicketVariant is deterministic).
  return client_.blind(msg, rng, out.blinded, out.inv);
}

Result<wire::Ticket> TicketClient::finish(const Request& req, ByteSpan blind_sig) const {
  if (!usable_) return Errc::invalid_argument;
  wire::Ticket t = req.draft;
  const wire::TicketMessage msg = wire::ticket_message(t);
  if (Errc e = client_.finalize(msg, blind_sig, req.inv, t.signature); e != Errc::ok) return e;
  return t;
}

TicketIssuer::TicketIssuer(NodeId self, crypto::BlindRsaPrivateKey key, const TicketConfig& cfg)
    : self_(self),
      cfg_(cfg),
      signer_(key),
      client_(self, key.public_key()),
      usable_(client_.usable() && key.valid()) {
  cfg_.slice_seconds = std::max<uint64_t>(cfg_.slice_seconds, 1);
  // Bounded memory: at most max_customers entries, allocated once.
  counts_.reserve(cfg_.max_customers);
}

Errc TicketIssuer::blind_sign(uint32_t customer, ByteSpan blinded, uint64_t now_unix,
                              MutByteSpan out) {
  if (!usable_) return Errc::invalid_argument;
  const uint64_t slice = slice_of(now_unix, cfg_.slice_seconds);
  if (slice != slice_) {  // a new slice: every customer starts again
    counts_.clear();
    slice_ = slice;
  }
  auto it = counts_.find(customer);
  const uint32_t used_now = it == counts_.end() ? 0 : it->second;
  if (used_now >= cfg_.quota_ants) {
    ++stats_.over_quota;
    return Errc::limit;
  }
  if (it == counts_.end() && counts_.size() >= cfg_.max_customers) {
    ++stats_.over_capacity;
    return Errc::limit;
  }
  if (Errc e = signer_.blind_sign(blinded, out); e != Errc::ok) {
    ++stats_.bad_request;
    return e;
  }
  // Only a signature given out spends quota.
  if (it == counts_.end())
    counts_.emplace(customer, 1);
  else
    ++it->second;
  ++stats_.issued;
  return Errc::ok;
}

Result<wire::Ticket> TicketIssuer::issue(uint32_t customer, uint64_t now_unix, crypto::Rng& rng) {
  if (!usable_) return Errc::invalid_argument;
  // Refuse an exhausted customer before spending an RSA operation on blinding.
  if (used(customer, now_unix) >= cfg_.quota_ants) {
    ++stats_.over_quota;
    return Errc::limit;
  }
  TicketClient::Request req;
  if (Errc e = client_.request(slice_of(now_unix, cfg_.slice_seconds), rng, req); e != Errc::ok)
    return e;
  std::array<uint8_t, wire::kTicketSignatureSize> blind_sig{};
  if (Errc e = blind_sign(customer, req.blinded, now_unix, blind_sig); e != Errc::ok) return e;
  return client_.finish(req, blind_sig);
}

uint32_t TicketIssuer::used(uint32_t customer, uint64_t now_unix) const {
  if (slice_of(now_unix, cfg_.slice_seconds) != slice_) return 0;
  auto it = counts_.find(customer);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace ainet::core
