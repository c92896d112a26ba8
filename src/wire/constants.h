// Wire constants shared by every codec: IP protocol numbers, fixed header
// sizes and ports. One place, so no magic number appears twice.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ainet::wire {

// IANA "Assigned Internet Protocol Numbers" (also the IPv6 Next Header values).
inline constexpr uint8_t kProtoHopByHop = 0;   // RFC 8200 §4.3
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIpv4 = 4;       // IPv4-in-IP (tunnel mode inner IPv4)
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6 = 41;      // IPv6-in-IP (tunnel mode inner IPv6)
inline constexpr uint8_t kProtoRouting = 43;   // RFC 8200 §4.4
inline constexpr uint8_t kProtoFragment = 44;  // RFC 8200 §4.5
inline constexpr uint8_t kProtoEsp = 50;       // RFC 4303
inline constexpr uint8_t kProtoAh = 51;        // RFC 4302
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoNoNext = 59;    // RFC 8200 §4.7; ESP dummy packet (RFC 4303 §2.6)
inline constexpr uint8_t kProtoDestOpts = 60;  // RFC 8200 §4.6
inline constexpr uint8_t kProtoOnion = 253;    // RFC 3692 experimental value: ainet onion cells

// Header sizes in bytes.
inline constexpr size_t kIpv4MinHeaderLen = 20;  // RFC 791 §3.1: IHL >= 5 words
inline constexpr size_t kIpv4MaxHeaderLen = 60;  // IHL is 4 bits: at most 15 words
inline constexpr size_t kIpv6HeaderLen = 40;     // RFC 8200 §3
inline constexpr size_t kUdpHeaderLen = 8;       // RFC 768
inline constexpr size_t kEspHeaderLen = 8;       // RFC 4303 §2: SPI + sequence number
inline constexpr size_t kEspTrailerLen = 2;      // RFC 4303 §2.4: pad length + next header
inline constexpr size_t kAhFixedLen = 12;        // RFC 4302 §2: everything before the ICV
inline constexpr size_t kMaxIpPacketLen = 65535; // IPv4 total length / IPv6 payload length field

// UDP ports.
inline constexpr uint16_t kIkePort = 500;        // RFC 7296 §2
inline constexpr uint16_t kUdpEncapPort = 4500;  // RFC 3948 §1 / RFC 7296 §2.23

// Default hop limit for headers we originate (RFC 1700 / RFC 8200 §3 suggest 64).
inline constexpr uint8_t kDefaultHopLimit = 64;

}  // namespace ainet::wire
