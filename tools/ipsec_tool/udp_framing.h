// RFC 3948 UDP encapsulation around an ESP packet, for the tool only: in the
// daemon the io layer owns the UDP socket and the kernel builds these headers.
// The tool prints whole IP packets so that an independent implementation
// (scapy) can read them, so it adds/strips the outer IP + UDP headers here.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::tools {

struct UdpEncapEndpoints {
  wire::IpAddress src;
  wire::IpAddress dst;
  uint16_t src_port = wire::kUdpEncapPort;
  uint16_t dst_port = wire::kUdpEncapPort;
};

// Bytes in front of the ESP packet: outer IP header + 8-byte UDP header.
size_t udp_encap_headroom(wire::IpFamily family);

// The ESP packet (esp_len bytes) is already at out[udp_encap_headroom()];
// writes the UDP and outer IP headers in front of it and returns the total
// length. RFC 3948 §2.1: the IPv4 UDP checksum SHOULD be sent as zero; IPv6
// always carries one (RFC 8200 §8.1).
Result<size_t> frame_udp_encap(const UdpEncapEndpoints& ep, size_t esp_len, MutByteSpan out);

// Finds the ESP packet inside an IPv4/IPv6 + UDP datagram. Errors: as the IP
// and UDP parsers, unsupported (not UDP, a fragment, or an IKE/keepalive
// datagram rather than ESP), bad_checksum.
Result<MutByteSpan> unframe_udp_encap(MutByteSpan packet);

}  // namespace ainet::tools
