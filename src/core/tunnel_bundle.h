// An ESP+AH tunnel with one peer, both directions (paper §4.2 and Fig. 4/5:
// four SAs). Used for PVTs (signaling between neighbouring AINs) and for
// customer tunnels (initiators and responders).
//   ip carrier:  IP | AH | ESP | payload   (RFC 4301 §3.3: ESP applied first,
//                then AH; sa::Bundle, the one copy of that rule)
//   udp carrier: UDP 4500 | ESP | payload  (RFC 3948 cannot carry AH, so
//                ESP alone, with its AEAD, authenticates the peer)
// This class only owns the four SAs and picks the form by carrier.
#pragma once
#include <memory>

#include "core/engine_api.h"
#include "crypto/rng.h"
#include "sa/bundle.h"
#include "sa/security_association.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::core {

class TunnelBundle {
 public:
  // local/remote: the outer (carrier) addresses of both ends.
  static Result<TunnelBundle> create(Carrier carrier, const BundleKeys& out, const BundleKeys& in,
                                     const IpAddress& local, const IpAddress& remote,
                                     uint32_t replay_window);
  // An IKEv2 child SA (docs/ike.md "Customer tunnels"): ESP alone, UDP
  // encapsulated (RFC 3948), whatever the carrier; `out`/`in` come from
  // ike::ChildSaUp and must have Framing::udp.
  static Result<TunnelBundle> create_esp(const sa::SaConfig& out, const sa::SaConfig& in);
  TunnelBundle() = default;
  // False for a default-constructed bundle (an IKE customer not yet keyed).
  bool keyed() const { return esp_in_ != nullptr; }

  // The SPI the first inbound header carries (AH for ip, ESP for udp), by
  // which the engine finds this bundle.
  uint32_t inbound_spi() const;
  // The outbound ESP SA: its SPI and last sequence number sent (ainctl, and
  // the sequence-space rekey of IKE PVTs). 0 when not keyed.
  uint32_t outbound_esp_spi() const { return esp_out_ ? esp_out_->spi() : 0; }
  uint32_t inbound_esp_spi() const { return esp_in_ ? esp_in_->spi() : 0; }
  uint64_t last_sent_seq() const { return esp_out_ ? esp_out_->last_sent_seq() : 0; }
  // Seals payload (next header nh) for the wire, in place in `out` (the ESP
  // packet is written where AH expects it: no intermediate copy). Returns the
  // bytes to send, inside `out`.
  Result<ByteSpan> seal(ByteSpan payload, uint8_t nh, MutByteSpan out, crypto::Rng& rng);
  // Opens a received packet in place (ip: whole IP packet; udp: UDP payload):
  // AH, then the ESP it must carry (RFC 4303 §3.4 order inside each SA); an
  // authentic AH packet that carries anything but ESP is malformed.
  Result<sa::OpenedPacket> open(MutByteSpan packet);

  uint64_t drops() const;
  // Packets the inbound ESP SA opened (every authentic one, dummies too).
  uint64_t packets_in() const;

 private:
  Carrier carrier_ = Carrier::ip;
  // Heap SAs: their addresses stay put when the TunnelBundle moves, so the
  // sa::Bundles that point at them stay valid.
  std::unique_ptr<sa::SecurityAssociation> esp_out_, ah_out_, esp_in_, ah_in_;
  sa::Bundle out_, in_;  // ip carrier only
};

}  // namespace ainet::core
