#include "sa/bundle.h"

#include "sa/tunnel_inner.h"
#include "wire/constants.h"

namespace ainet::sa {

Result<Bundle> Bundle::create(SecurityAssociation& ah, SecurityAssociation& esp) {
  if (ah.protocol() != Protocol::ah || ah.framing() != Framing::ip) return Errc::invalid_argument;
  if (esp.protocol() != Protocol::esp || esp.framing() != Framing::bare)
    return Errc::invalid_argument;
  Bundle b;
  b.ah_ = &ah;
  b.esp_ = &esp;
  return b;
}

size_t Bundle::sealed_size(size_t payload_len) const {
  return ah_->sealed_size(esp_->sealed_size(payload_len));
}

Result<size_t> Bundle::seal(ByteSpan payload, uint8_t next_header, MutByteSpan out,
                            crypto::Rng& rng) {
  return seal_impl(payload, next_header, nullptr, out, rng);
}

Result<size_t> Bundle::seal_inner_packet(ByteSpan inner_ip, MutByteSpan out, crypto::Rng& rng) {
  auto inner = parse_tunnel_inner(inner_ip);
  if (!inner) return inner.error();
  const wire::IpPacketInfo policy_input = inner->policy_input();
  return seal_impl(inner_ip.first(inner->total_len), wire::tunnel_next_header(inner->family),
                   &policy_input, out, rng);
}

Result<size_t> Bundle::seal_impl(ByteSpan payload, uint8_t next_header,
                                 const wire::IpPacketInfo* inner, MutByteSpan out,
                                 crypto::Rng& rng) {
  if (!ah_ || !esp_) return Errc::invalid_argument;
  if (out.size() < sealed_size(payload.size())) return Errc::buffer_too_small;
  // Check both counters before using either, so a refusal burns no number.
  if (ah_->seq_exhausted() || esp_->seq_exhausted()) return Errc::seq_exhausted;
  // ESP goes exactly where AH expects its payload: AH then seals in place.
  const size_t at = ah_->headroom();
  auto esp_n = esp_->seal(payload, next_header, out.subspan(at), rng);
  if (!esp_n) return esp_n.error();
  const ByteSpan esp_packet(out.data() + at, *esp_n);
  return inner ? ah_->seal_for_inner(esp_packet, wire::kProtoEsp, *inner, out, rng)
               : ah_->seal(esp_packet, wire::kProtoEsp, out, rng);
}

Result<OpenedPacket> Bundle::open(MutByteSpan packet) {
  if (!ah_ || !esp_) return Errc::invalid_argument;
  auto outer = ah_->open(packet);
  if (!outer) return outer.error();
  if (outer->next_header != wire::kProtoEsp) {
    ++at(drops_, Errc::malformed);
    return Errc::malformed;
  }
  auto inner = esp_->open(outer->payload);
  if (!inner) return inner.error();
  inner->outer_tos = outer->outer_tos;
  return inner;
}

}  // namespace ainet::sa
