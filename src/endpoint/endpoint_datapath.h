// EndpointDatapath: the customer endpoint's packet path, without I/O (paper
// §4.4 Fig. 4: the host end of the ESP+AH tunnel to its AIN).
//   outbound: an inner IP datagram from the TUN -> the carrier packet for the
//             AIN (ip: whole outer IP packet | AH | ESP; udp: the ESP packet,
//             the UDP payload).
//   inbound:  a carrier packet -> the inner datagram for the TUN, or a drop,
//             counted by reason.
// Buffers are preallocated; nothing allocates per packet.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "endpoint/endpoint_config.h"
#include "util/bytes.h"
#include "util/result.h"
#include "wire/signaling.h"

namespace ainet::endpoint {

struct DatapathCounters {
  uint64_t sealed = 0, seal_failed = 0;         // TUN -> carrier
  uint64_t opened = 0;                          // carrier -> TUN
  uint64_t sealed_bytes = 0, opened_bytes = 0;  // inner datagram bytes
  uint64_t not_from_ain = 0;                    // outer source is not ain_address
  uint64_t not_esp = 0;      // udp: keepalive / non-ESP marker (RFC 3948 §2.2, §2.3)
  uint64_t open_failed = 0;  // ICV, replay, SPI, malformed
  std::array<uint64_t, kErrcCount> open_failed_by{};  // the same, by ainet::Errc
  uint64_t not_ip = 0;            // opened, but no inner IPv4/IPv6 datagram (dummy etc.)
  uint64_t too_big = 0;           // larger than the buffers
  uint64_t bad_inner = 0;         // TUN gave something that is not IPv4/IPv6
  uint64_t link_scoped = 0;       // to/from a link-local, multicast or special address: not sent
  uint64_t dummies_sent = 0;      // shaping: dummy packets (next header 59) sent
  uint64_t dummies_received = 0;  // dummy packets from the AIN (also in not_ip)
  uint64_t no_sa = 0;             // endpoint.ike: no child SA (yet / any more)
};

class EndpointDatapath {
 public:
  // The largest packet handled either way (the carrier batch slots are 2048).
  static constexpr size_t kMaxPacket = 2048;

  static Result<EndpointDatapath> create(const EndpointConfig& c);
  EndpointDatapath() = default;  // empty; only create() gives a usable one

  // Seals one inner datagram. The result points into this object's buffer,
  // valid until the next call.
  Result<ByteSpan> outbound(ByteSpan inner, crypto::Rng& rng);
  // Opens one carrier packet (ip: whole IP packet, udp: UDP payload and the
  // sender's address). The inner datagram points into this object's buffer.
  Result<ByteSpan> inbound(const std::optional<wire::IpAddress>& udp_sender, ByteSpan packet);

  // Seals a customer control message (docs/protocol.md "Customer tunnels":
  // 64 bytes, ESP next header 253) for the AIN, e.g. DESTROY of one pair.
  Result<ByteSpan> control(const wire::CustomerControl& msg, crypto::Rng& rng);
  // Seals a dummy packet (RFC 4303 §2.6: next header 59, which the AIN
  // discards) of the padded size, for a shaping slot with nothing to send.
  Result<ByteSpan> dummy(crypto::Rng& rng);

  // endpoint.ike (docs/ike.md "ain-endpoint"): a child SA negotiated by
  // IKEv2 (ESP in UDP, RFC 3948). It is sent on at once; the one it replaces
  // (RFC 7296 §2.8) stays accepted until remove(); at most two generations.
  Status install(const sa::SaConfig& out, const sa::SaConfig& in);
  // Forgets the child SA with this inbound SPI; false if there is none.
  bool remove(uint32_t spi_in);
  // Packets opened so far on the child SA with this inbound SPI (nullopt:
  // none); ESP from the AIN is an IKE sign of life (daemon/ike_liveness.h).
  std::optional<uint64_t> packets_in(uint32_t spi_in) const;
  bool keyed() const { return bundle_.keyed(); }
  // Inbound SPI of the SA sent on now (0 when none).
  uint32_t current_spi_in() const { return bundle_.keyed() ? bundle_.inbound_spi() : 0; }

  const DatapathCounters& counters() const { return counters_; }
  uint64_t sa_drops() const { return bundle_.drops() + previous_.drops() + removed_drops_; }

 private:
  core::Carrier carrier_ = core::Carrier::ip;
  wire::IpAddress ain_;
  core::TunnelBundle bundle_;
  core::TunnelBundle previous_;  // endpoint.ike: the child SA the current one replaced
  uint64_t removed_drops_ = 0;   // sa drops of removed child SAs
  bool ike_ = false;
  // Seals payload with next header nh, TFC-padded to pad_to_ (RFC 4303 §2.7).
  Result<ByteSpan> seal_padded(ByteSpan payload, uint8_t nh, crypto::Rng& rng);

  // Heap once at create, so moving the datapath keeps them cheap.
  std::unique_ptr<std::array<uint8_t, kMaxPacket>> out_, in_, pad_;
  size_t pad_to_ = 0;      // ESP payload size of every packet; 0 = no padding
  size_t dummy_size_ = 0;  // payload of a dummy (tun_mtu: looks like a full packet)
  DatapathCounters counters_;
};

}  // namespace ainet::endpoint
