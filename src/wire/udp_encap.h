// RFC 3948 UDP encapsulation of ESP: classification of datagrams on port 4500
// and the UDP header codec (RFC 768) with the pseudo-header checksum.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::wire {

// RFC 3948 §2.2: IKE messages on port 4500 start with a 4-byte zero marker.
inline constexpr size_t kNonEspMarkerLen = 4;
// RFC 3948 §2.3: a NAT-keepalive is a single 0xFF byte.
inline constexpr uint8_t kNatKeepaliveByte = 0xFF;

enum class UdpEncapKind : uint8_t {
  esp,        // data = the ESP packet, starting with the SPI (RFC 3948 §2.1)
  ike,        // data = the IKE message after the non-ESP marker (RFC 3948 §2.2)
  keepalive,  // data = empty (RFC 3948 §2.3)
};

struct UdpEncapPayload {
  UdpEncapKind kind = UdpEncapKind::esp;
  ByteSpan data;
};

// Classifies a UDP payload received on port 4500 (RFC 3948 §3.2 / §3.3):
//   exactly {0xFF}             -> keepalive
//   first 4 bytes zero         -> ike (marker stripped)
//   >= 8 bytes, non-zero SPI   -> esp
//   anything else (1..7 bytes) -> malformed; empty -> truncated
Result<UdpEncapPayload> classify_udp_encap(ByteSpan udp_payload);

struct UdpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t length = 0;    // header + payload (RFC 768)
  uint16_t checksum = 0;  // 0 = none (IPv4 only)
  ByteSpan payload;       // parse only: length - 8 bytes
};

// Parses a UDP datagram (header + payload). Errors: truncated (< 8 bytes or
// length > bytes available), malformed (length < 8). Bytes beyond `length`
// are ignored. Does not verify the checksum: see verify_udp_checksum.
Result<UdpHeader> parse_udp(ByteSpan datagram);

// Pseudo-header checksum over `datagram` (header + payload, length field
// taken from datagram.size()): RFC 768 (IPv4), RFC 8200 §8.1 (IPv6).
uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst, ByteSpan datagram);

// Checks a received datagram's checksum. A zero checksum is accepted for IPv4
// (RFC 768; RFC 3948 §2.1 says senders SHOULD send zero) and refused for IPv6
// (RFC 8200 §8.1: mandatory) with bad_checksum; so is a mismatch.
Status verify_udp_checksum(const IpAddress& src, const IpAddress& dst, ByteSpan datagram);

// Fills the 8-byte header at the front of `datagram`, whose payload is already
// in place after it (zero copy). with_checksum=false writes 0 and is refused
// for IPv6 (invalid_argument). A computed checksum of 0 is sent as 0xFFFF
// (RFC 768). Errors: truncated (< 8 bytes), limit (> 65535 bytes).
Status finalize_udp_header(MutByteSpan datagram, const IpAddress& src, const IpAddress& dst,
                           uint16_t src_port, uint16_t dst_port, bool with_checksum);

}  // namespace ainet::wire
