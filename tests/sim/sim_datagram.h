// Customer datagrams for the simulation: IPv4/UDP and IPv6/UDP packets with
// valid checksums and a payload that names the flow and a sequence number,
// so a test can tell which datagram arrived where.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/rng.h"
#include "util/bytes.h"
#include "wire/checksum.h"
#include "wire/constants.h"
#include "wire/ip_address.h"
#include "wire/ip_packet.h"
#include "wire/udp_encap.h"

namespace ainet::sim {

using wire::IpAddress;

struct Flow {
  IpAddress src, dst;
  uint16_t sport = 40000, dport = 7;
};

// Payload: "ainet-sim" || flow tag (4) || seq (4) || filler up to `size`.
inline Bytes sim_payload(uint32_t tag, uint32_t seq, size_t size) {
  Bytes p(std::max<size_t>(size, 17));
  const char magic[9] = {'a', 'i', 'n', 'e', 't', '-', 's', 'i', 'm'};
  std::copy(magic, magic + 9, p.begin());
  store_be32(&p[9], tag);
  store_be32(&p[13], seq);
  for (size_t i = 17; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i * 7 + seq);
  return p;
}

// A UDP datagram from flow.src to flow.dst (same family) with correct IPv4
// header and UDP checksums (RFC 791, RFC 768, RFC 8200 §8.1).
inline Bytes make_udp_datagram(const Flow& f, ByteSpan payload, uint8_t ttl = 64) {
  const bool v6 = f.src.is_v6();
  const size_t ip_len = v6 ? wire::kIpv6HeaderLen : wire::kIpv4MinHeaderLen;
  const size_t udp_len = wire::kUdpHeaderLen + payload.size();
  Bytes pkt(ip_len + udp_len);
  ByteWriter w(pkt);
  if (!v6) {
    w.u8(0x45);
    w.u8(0);
    w.u16(static_cast<uint16_t>(pkt.size()));
    w.u16(0x1234);  // id
    w.u16(0x4000);  // DF
    w.u8(ttl);
    w.u8(wire::kProtoUdp);
    w.u16(0);  // checksum, below
    w.bytes(f.src.bytes());
    w.bytes(f.dst.bytes());
    store_be16(&pkt[10], wire::internet_checksum(ByteSpan(pkt).first(20)));
  } else {
    w.u32(0x60000000u);
    w.u16(static_cast<uint16_t>(udp_len));
    w.u8(wire::kProtoUdp);
    w.u8(ttl);
    w.bytes(f.src.bytes());
    w.bytes(f.dst.bytes());
  }
  w.u16(f.sport);
  w.u16(f.dport);
  w.u16(static_cast<uint16_t>(udp_len));
  w.u16(0);
  w.bytes(payload);
  MutByteSpan udp = MutByteSpan(pkt).subspan(ip_len);
  uint16_t c = wire::udp_checksum(f.src, f.dst, udp);
  store_be16(&udp[6], c == 0 ? 0xFFFF : c);  // RFC 768: a computed 0 is sent as all ones
  return pkt;
}

inline Flow reversed(const Flow& f) { return {f.dst, f.src, f.dport, f.sport}; }

// What a sim datagram says about itself (nullopt if it is not one of ours).
struct DatagramId {
  IpAddress src, dst;
  uint16_t sport = 0, dport = 0;
  uint32_t tag = 0, seq = 0;
};
inline std::optional<DatagramId> identify(ByteSpan pkt) {
  auto info = wire::parse_ip_packet(pkt);
  if (!info || info->protocol != wire::kProtoUdp) return std::nullopt;
  ByteSpan udp = pkt.subspan(info->payload_offset);
  if (udp.size() < wire::kUdpHeaderLen + 17) return std::nullopt;
  ByteSpan p = udp.subspan(wire::kUdpHeaderLen);
  if (std::string(p.begin(), p.begin() + 9) != "ainet-sim") return std::nullopt;
  DatagramId id;
  id.src = info->src;
  id.dst = info->dst;
  id.sport = load_be16(&udp[0]);
  id.dport = load_be16(&udp[2]);
  id.tag = load_be32(&p[9]);
  id.seq = load_be32(&p[13]);
  return id;
}

// Random private address for anonymity option 1 (paper §4.4): 10/8 or fd00::/8.
inline IpAddress random_private_address(crypto::Rng& rng, bool v6) {
  if (!v6) return IpAddress::v4(0x0A000000u | (0x00C00000u + static_cast<uint32_t>(rng.uniform(1u << 22))));
  std::array<uint8_t, 16> b{};
  rng.fill(b);
  b[0] = 0xfd;
  return IpAddress::v6(b);
}

}  // namespace ainet::sim
