// The Security Association Database (RFC 4301 §4.4.2): SAs keyed by SPI in a
// hash map, O(1) lookup. ainet picks unique random SPIs per node, so inbound
// lookup is by SPI alone (RFC 4301 §4.1 allows SPI-only unicast lookup); the
// protocol (ESP/AH) and framing must still match the SA found.
//
// The open_* entry points do the steps before an SA is known (length check,
// SPI extraction, lookup) and count their drops in counters(); everything
// after is counted by the SA itself.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "sa/sa_counters.h"
#include "sa/security_association.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::sa {

struct SadOpened {
  SecurityAssociation* sa = nullptr;  // the SA that authenticated the packet
  OpenedPacket packet;
};

class Sad {
 public:
  Sad() = default;
  Sad(const Sad&) = delete;
  Sad& operator=(const Sad&) = delete;

  // invalid_argument for a null SA or an SPI below 256 (RFC 4303 §2.1 /
  // RFC 4302 §2.4: 0 is never sent, 1..255 are reserved); exists if the SPI
  // is taken.
  Status insert(std::unique_ptr<SecurityAssociation> sa);
  // The SA with this SPI, or nullptr. No allocation.
  SecurityAssociation* find(uint32_t spi);
  const SecurityAssociation* find(uint32_t spi) const;
  bool erase(uint32_t spi);
  size_t size() const { return by_spi_.size(); }
  const SadCounters& counters() const { return counters_; }

  // Inbound, "ip" carrier: a complete IP packet carrying ESP (50) or AH (51)
  // for an SA with Framing::ip. Errors counted here: truncated, bad_version,
  // unsupported (neither ESP nor AH, or a fragment), unknown_spi.
  Result<SadOpened> open_ip_packet(MutByteSpan packet);
  // Inbound, "udp" carrier (RFC 3948): the payload of a UDP datagram on port
  // 4500 for an SA with Framing::udp. A NAT-keepalive or an IKE message
  // (non-ESP marker) is not ESP: Errc::unsupported, counted.
  Result<SadOpened> open_udp_payload(MutByteSpan payload);
  // Inbound bare ESP (SPI .. ICV), e.g. after the AH of a bundle was removed,
  // for an SA with Framing::bare.
  Result<SadOpened> open_esp(MutByteSpan esp);

 private:
  Result<SadOpened> dispatch(uint32_t spi, Protocol protocol, Framing framing, MutByteSpan packet);
  Errc drop(Errc e) {
    ++at(counters_.drops, e);
    return e;
  }

  std::unordered_map<uint32_t, std::unique_ptr<SecurityAssociation>> by_spi_;
  SadCounters counters_;
};

}  // namespace ainet::sa
