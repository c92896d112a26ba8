// An SA bundle of ESP inside AH (RFC 4301 §4.5; paper Fig. 4/5): the wire
// form is   outer IP | AH | ESP | inner packet (or payload) | ESP trailer/ICV
// AH authenticates the outer header and everything after it; ESP provides
// confidentiality. Used for PVTs and customer tunnels.
//
// The Bundle does not own its SAs (they live in a Sad); it only sequences
// them. Seal writes the ESP packet straight into its final place behind the
// AH header, so nothing is copied twice and nothing is allocated.
#pragma once
#include "sa/sa_counters.h"
#include "sa/security_association.h"

namespace ainet::sa {

class Bundle {
 public:
  // ah: protocol AH with Framing::ip; esp: protocol ESP with Framing::bare.
  // Anything else is invalid_argument.
  static Result<Bundle> create(SecurityAssociation& ah, SecurityAssociation& esp);
  Bundle() = default;

  size_t sealed_size(size_t payload_len) const;
  // payload sealed by ESP with next_header, then AH with next header 50.
  Result<size_t> seal(ByteSpan payload, uint8_t next_header, MutByteSpan out, crypto::Rng& rng);
  // Tunnel mode: ESP next header 4/41 from the inner version; the outer
  // header follows the AH SA's TunnelPolicy for this inner packet.
  Result<size_t> seal_inner_packet(ByteSpan inner_ip, MutByteSpan out, crypto::Rng& rng);
  // AH open (outer packet) then ESP open; the payload points into `packet`.
  // An authentic AH packet whose next header is not ESP is malformed.
  Result<OpenedPacket> open(MutByteSpan packet);

  SecurityAssociation* ah() const { return ah_; }
  SecurityAssociation* esp() const { return esp_; }
  // Drops that belong to neither SA (AH next header not ESP).
  const ErrcCounters& drops() const { return drops_; }

 private:
  Result<size_t> seal_impl(ByteSpan payload, uint8_t next_header, const wire::IpPacketInfo* inner,
                           MutByteSpan out, crypto::Rng& rng);

  SecurityAssociation* ah_ = nullptr;
  SecurityAssociation* esp_ = nullptr;
  ErrcCounters drops_{};
};

}  // namespace ainet::sa
