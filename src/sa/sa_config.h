// Everything needed to create one (unidirectional) security association.
#pragma once
#include <cstdint>

#include "sa/replay_window.h"
#include "sa/transform.h"
#include "util/secret.h"
#include "wire/ip_address.h"
#include "wire/ip_packet.h"

namespace ainet::sa {

// Largest KEYMAT any transform needs (AES-256-CBC key + HMAC-SHA-256 key).
constexpr size_t kMaxKeymatSize = 64;

// What surrounds the ESP/AH header on the wire, i.e. what seal() produces and
// open() accepts.
enum class Framing : uint8_t {
  // A complete outer IP packet (IPv4 or IPv6 header from the tunnel
  // endpoints, protocol 50/51): the "ip" carrier, RFC 4301 §5.1.2 tunnel mode.
  ip,
  // RFC 3948: the UDP payload (the ESP packet starting at the SPI); the io
  // layer owns the UDP socket and the outer headers. ESP only.
  udp,
  // The bare ESP packet (SPI .. ICV), e.g. the inner ESP of an ESP-in-AH
  // bundle, where the AH SA adds the IP header. ESP only.
  bare,
};

struct SaConfig {
  uint32_t spi = 0;  // RFC 4303 §2.1: 0 is reserved; the SAD refuses it
  Transform transform = Transform::esp_aes256_gcm;
  // Key material laid out as documented per Transform (transform.h).
  Secret<kMaxKeymatSize> keymat;
  Framing framing = Framing::ip;
  // 64-bit Extended Sequence Numbers (RFC 4303 §2.2.1, RFC 4302 §2.5.1).
  bool esn = false;
  // Anti-replay window in packets: multiple of 64, at most kMaxReplayWindow.
  uint32_t replay_window = kDefaultReplayWindow;
  // The sequence number "already used": the first packet sent carries
  // initial_seq + 1 and the receiver accepts only numbers above it. 0 for a
  // standard SA (RFC 4303 §3.3.3); ainet TVTs start at a random offset agreed
  // in CREATE so that links cannot be matched by counter values.
  uint64_t initial_seq = 0;
  // Tunnel endpoints for Framing::ip (same family). Ignored otherwise.
  wire::IpAddress local;
  wire::IpAddress remote;
  uint8_t hop_limit = wire::kDefaultHopLimit;  // TTL of outer headers we build
  // IPv6 outer flow label (20 bits, RFC 6437) for Framing::ip. 0 = none. It is
  // mutable for AH (RFC 4302 §3.3.3.1.2.1), so it may also be rewritten later.
  uint32_t flow_label = 0;
  // Which inner header bits show on the outer header (RFC 4301 §5.1.2.1).
  wire::TunnelPolicy tunnel_policy;
  // The SA only ever opens (the receiving half of a pair): it then holds no
  // outbound state (the outer IPv4 ID pool, ~270 bytes), and seal() refuses
  // with Errc::invalid_argument. Saves memory per ANT hop (issue 10).
  bool inbound_only = false;
  // The SA only ever seals (the sending half of a pair): it then holds no
  // inbound state (the anti-replay bitmap, replay_window / 8 bytes on the
  // heap), and open() refuses with Errc::invalid_argument. At most one of
  // inbound_only and outbound_only (issue 10).
  bool outbound_only = false;
};

}  // namespace ainet::sa
