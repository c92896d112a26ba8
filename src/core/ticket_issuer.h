// Ticket issuance (docs/protocol.md "Tickets"; paper §5.4 "Ticket").
//
// Two sides, as RFC 9474 has them:
// - TicketClient: draws the nonce, blinds the ticket message, unblinds the
//   answer. It needs only the issuer's public key, so it can run in the
//   customer's endpoint; today the entrance runs it for its customer.
// - TicketIssuer: the entrance's signing side. It blind-signs for a customer
//   only within that customer's quota for the current slice (refusal = over
//   quota), with memory bounded by max_customers; counts reset when the
//   slice changes.
// Sans-I/O: unix seconds and randomness are passed in.
#pragma once
#include <array>
#include <cstdint>
#include <unordered_map>

#include "core/engine_api.h"
#include "core/ticket_config.h"
#include "crypto/blind_rsa.h"
#include "crypto/rng.h"
#include "util/result.h"
#include "wire/ticket.h"

namespace ainet::core {

class TicketClient {
 public:
  // The state between request() and finish(): the ticket fields, the blinded
  // message to send to the issuer, and the secret inverse (wiped on destruction).
  struct Request {
    wire::Ticket draft;  // issuer, slice and nonce set; signature empty
    std::array<uint8_t, wire::kTicketSignatureSize> blinded{};
    crypto::BlindInverse inv;
  };

  // issuer_key must be RSA-2048 (wire::kTicketSignatureSize bytes).
  TicketClient(NodeId issuer, crypto::BlindRsaPublicKey issuer_key);
  bool usable() const { return usable_; }

  // Prepare (identity, RFC 9474 §4.1) and Blind (§4.2) a ticket for `slice`
  // with a fresh 32-byte nonce. Errc::invalid_argument if the key is not usable.
  [[nodiscard]] Errc request(uint64_t slice, crypto::Rng& rng, Request& out) const;
  // Finalize (§4.4): the finished ticket, which verifies under the issuer's
  // key (Errc::bad_signature otherwise).
  Result<wire::Ticket> finish(const Request& req, ByteSpan blind_sig) const;

 private:
  NodeId issuer_;
  crypto::BlindRsaClient client_;
  bool usable_;
};

struct TicketIssuerStats {
  uint64_t issued = 0;         // blind signatures given out
  uint64_t over_quota = 0;     // refused: the customer used its quota this slice
  uint64_t over_capacity = 0;  // refused: max_customers distinct customers this slice
  uint64_t bad_request = 0;    // refused: a blinded message that is not one (size, range)
};

class TicketIssuer {
 public:
  // key must be RSA-2048 (as the directory's ticket_key); check usable().
  TicketIssuer(NodeId self, crypto::BlindRsaPrivateKey key, const TicketConfig& cfg);
  bool usable() const { return usable_; }
  NodeId id() const { return self_; }
  const crypto::BlindRsaPublicKey& public_key() const { return signer_.public_key(); }

  // BlindSign (RFC 9474 §4.3) for `customer` at now_unix, if the customer is
  // under quota in the current slice; the quota is spent only on success.
  // Errc::limit: over quota (or too many customers this slice);
  // Errc::malformed: blinded is not 256 bytes below n.
  [[nodiscard]] Errc blind_sign(uint32_t customer, ByteSpan blinded, uint64_t now_unix,
                                MutByteSpan blind_sig_out);

  // The whole path as the entrance runs it today, on the customer's behalf:
  // TicketClient::request for the current slice, blind_sign, finish.
  // Errc::limit when over quota (or over max_customers).
  Result<wire::Ticket> issue(uint32_t customer, uint64_t now_unix, crypto::Rng& rng);

  // Tickets `customer` got in the slice of now_unix.
  uint32_t used(uint32_t customer, uint64_t now_unix) const;
  const TicketIssuerStats& stats() const { return stats_; }

 private:
  NodeId self_;
  TicketConfig cfg_;
  crypto::BlindRsaSigner signer_;
  TicketClient client_;
  bool usable_;
  uint64_t slice_ = 0;
  std::unordered_map<uint32_t, uint32_t> counts_;  // customer -> tickets in slice_
  TicketIssuerStats stats_;
};

}  // namespace ainet::core
