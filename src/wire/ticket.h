// Time-slice ticket (docs/protocol.md "Tickets"; paper §5.4 "Ticket"): the
// proof, carried in CREATE, that the entrance AIN `issuer` allowed this ANT
// in time slice `slice`. The signature is an RFC 9474 blind signature
// (RSABSSA-SHA384-PSS-Deterministic, RSA-2048) over ticket_message().
//
// Fixed size, big-endian:
//   version(1) = 1 | reserved(3) = 0 | issuer(4) | slice(8) | nonce(32) | signature(256)
// = 304 bytes. A CREATE that carries no ticket has 304 zero bytes there
// (version 0); is_absent_ticket() recognises that. Parsing never allocates.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::wire {

constexpr uint8_t kTicketVersion = 1;
constexpr size_t kTicketNonceSize = 32;
constexpr size_t kTicketSignatureSize = 256;  // RSA-2048: kLen = 256 (RFC 9474 §4)
constexpr size_t kTicketSize = 1 + 3 + 4 + 8 + kTicketNonceSize + kTicketSignatureSize;
static_assert(kTicketSize == 304);

constexpr size_t kTicketOffVersion = 0;
constexpr size_t kTicketOffIssuer = 4;
constexpr size_t kTicketOffSlice = 8;
constexpr size_t kTicketOffNonce = 16;
constexpr size_t kTicketOffSignature = 48;

// The signed message: label || issuer(4) || slice(8) || nonce(32). The label
// (ASCII, no NUL) keeps a ticket signature from meaning anything else.
constexpr std::string_view kTicketLabel = "ainet-ticket-v1";
constexpr size_t kTicketMessageSize = kTicketLabel.size() + 4 + 8 + kTicketNonceSize;
using TicketMessage = std::array<uint8_t, kTicketMessageSize>;

struct Ticket {
  uint32_t issuer = 0;  // AIN id of the entrance that signed it; never 0
  uint64_t slice = 0;   // floor(unix_seconds / slice_seconds)
  std::array<uint8_t, kTicketNonceSize> nonce{};
  std::array<uint8_t, kTicketSignatureSize> signature{};

  bool operator==(const Ticket&) const = default;
};

TicketMessage ticket_message(uint32_t issuer, uint64_t slice, ByteSpan nonce32);
inline TicketMessage ticket_message(const Ticket& t) {
  return ticket_message(t.issuer, t.slice, t.nonce);
}

// True when in is kTicketSize zero bytes (or empty): "no ticket".
bool is_absent_ticket(ByteSpan in);

// Errc::malformed unless in.size() == kTicketSize, version == 1, the
// reserved bytes are zero and issuer != 0. (The reserved bytes are not
// signed; refusing non-zero values keeps one byte string per ticket.)
Result<Ticket> parse_ticket(ByteSpan in);
// Writes exactly kTicketSize bytes. Errc::buffer_too_small if out is
// shorter; Errc::invalid_argument for issuer 0.
[[nodiscard]] Errc serialize_ticket(const Ticket& t, MutByteSpan out);

}  // namespace ainet::wire
