#include "sa/sad.h"

#include "wire/constants.h"
#include "wire/esp.h"
#include "wire/ipv6.h"
#include "wire/udp_encap.h"

namespace ainet::sa {

Status Sad::insert(std::unique_ptr<SecurityAssociation> sa) {
  if (!sa || sa->spi() < wire::kMinValidSpi) return Errc::invalid_argument;
  const uint32_t spi = sa->spi();
  auto [it, inserted] = by_spi_.try_emplace(spi, std::move(sa));
  (void)it;
  return inserted ? Errc::ok : Errc::exists;
}

SecurityAssociation* Sad::find(uint32_t spi) {
  auto it = by_spi_.find(spi);
  return it == by_spi_.end() ? nullptr : it->second.get();
}

const SecurityAssociation* Sad::find(uint32_t spi) const {
  auto it = by_spi_.find(spi);
  return it == by_spi_.end() ? nullptr : it->second.get();
}

bool Sad::erase(uint32_t spi) { return by_spi_.erase(spi) > 0; }

Result<SadOpened> Sad::dispatch(uint32_t spi, Protocol protocol, Framing framing,
                                MutByteSpan packet) {
  SecurityAssociation* sa = find(spi);
  // RFC 4303 §3.4.2 / RFC 4302 §3.4.2: no valid SA -> discard, auditable.
  // An SA of the other protocol or framing is not a match either.
  if (!sa || sa->protocol() != protocol || sa->framing() != framing) return drop(Errc::unknown_spi);
  auto r = sa->open(packet);  // the SA counts its own drops
  if (!r) return r.error();
  return SadOpened{sa, *r};
}

Result<SadOpened> Sad::open_ip_packet(MutByteSpan packet) {
  // Only locate the ESP/AH header here; the SA validates the outer header.
  if (packet.empty()) return drop(Errc::truncated);
  uint8_t proto = 0;
  size_t offset = 0;
  const uint8_t version = packet[0] >> 4;
  if (version == 4) {
    if (packet.size() < wire::kIpv4MinHeaderLen) return drop(Errc::truncated);
    offset = size_t{packet[0] & 0x0fU} * 4;
    if (offset < wire::kIpv4MinHeaderLen) return drop(Errc::malformed);
    proto = packet[9];
  } else if (version == 6) {
    auto up = wire::skip_ipv6_extension_headers(packet);
    if (!up) return drop(up.error());
    proto = up->protocol;
    offset = up->offset;
  } else {
    return drop(Errc::bad_version);
  }
  size_t spi_at = 0;
  Protocol protocol;
  if (proto == wire::kProtoEsp) {
    protocol = Protocol::esp;
    spi_at = offset;  // RFC 4303 §2: SPI first
  } else if (proto == wire::kProtoAh) {
    protocol = Protocol::ah;
    spi_at = offset + 4;  // RFC 4302 §2: after NextHdr, PayloadLen, Reserved
  } else {
    return drop(Errc::unsupported);
  }
  if (packet.size() < spi_at + 8) return drop(Errc::truncated);  // SPI + seq
  return dispatch(load_be32(&packet[spi_at]), protocol, Framing::ip, packet);
}

Result<SadOpened> Sad::open_udp_payload(MutByteSpan payload) {
  auto kind = wire::classify_udp_encap(payload);
  if (!kind) return drop(kind.error());
  // RFC 3948 §3.3: keepalives are discarded; IKE goes to the IKE daemon.
  if (kind->kind != wire::UdpEncapKind::esp) return drop(Errc::unsupported);
  return dispatch(load_be32(payload.data()), Protocol::esp, Framing::udp, payload);
}

Result<SadOpened> Sad::open_esp(MutByteSpan esp) {
  if (esp.size() < wire::kEspHeaderLen) return drop(Errc::truncated);
  return dispatch(load_be32(esp.data()), Protocol::esp, Framing::bare, esp);
}

}  // namespace ainet::sa
