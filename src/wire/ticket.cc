#include "wire/ticket.h"

#include <algorithm>
#include <cstring>

namespace ainet::wire {

TicketMessage ticket_message(uint32_t issuer, uint64_t slice, ByteSpan nonce32) {
  TicketMessage m{};
  ByteWriter w(m);
  w.bytes(ByteSpan(reinterpret_cast<const uint8_t*>(kTicketLabel.data()), kTicketLabel.size()));
  w.u32(issuer);
  w.u64(slice);
  // A short nonce leaves zeros; callers pass the 32-byte field of a Ticket.
  w.bytes(nonce32.first(std::min(nonce32.size(), kTicketNonceSize)));
  return m;
}

bool is_absent_ticket(ByteSpan in) {
  return std::all_of(in.begin(), in.end(), [](uint8_t b) { return b == 0; }) &&
         (in.empty() || in.size() == kTicketSize);
}

Result<Ticket> parse_ticket(ByteSpan in) {
  // docs/protocol.md "Tickets": always exactly 304 bytes.
  if (in.size() != kTicketSize) return Errc::malformed;
  ByteReader r(in);
  const uint8_t version = r.u8();
  ByteSpan reserved = r.bytes(3);
  Ticket t;
  t.issuer = r.u32();
  t.slice = r.u64();
  ByteSpan nonce = r.bytes(kTicketNonceSize);
  ByteSpan sig = r.bytes(kTicketSignatureSize);
  if (!r.ok() || r.remaining() != 0) return Errc::malformed;
  if (version != kTicketVersion || t.issuer == 0) return Errc::malformed;
  if (std::any_of(reserved.begin(), reserved.end(), [](uint8_t b) { return b != 0; }))
    return Errc::malformed;
  std::memcpy(t.nonce.data(), nonce.data(), kTicketNonceSize);
  std::memcpy(t.signature.data(), sig.data(), kTicketSignatureSize);
  return t;
}

Errc serialize_ticket(const Ticket& t, MutByteSpan out) {
  if (out.size() < kTicketSize) return Errc::buffer_too_small;
  if (t.issuer == 0) return Errc::invalid_argument;
  ByteWriter w(out.first(kTicketSize));
  w.u8(kTicketVersion);
  w.zeros(3);
  w.u32(t.issuer);
  w.u64(t.slice);
  w.bytes(t.nonce);
  w.bytes(t.signature);
  return w.ok() && w.pos() == kTicketSize ? Errc::ok : Errc::buffer_too_small;
}

}  // namespace ainet::wire
