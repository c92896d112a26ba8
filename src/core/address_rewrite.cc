#include "core/address_rewrite.h"

#include <cstring>

#include "wire/constants.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ainet::core {
namespace {

// One's-complement 16-bit sum helpers for RFC 1624 incremental update.
uint32_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s;
}
uint32_t sum_words(ByteSpan b) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) s += load_be16(&b[i]);
  return fold(s);
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), with m / m' the old / new words.
uint16_t update_checksum(uint16_t hc, ByteSpan old_words, ByteSpan new_words) {
  uint32_t s = static_cast<uint16_t>(~hc);
  s += static_cast<uint16_t>(~sum_words(old_words));
  s += sum_words(new_words);
  return static_cast<uint16_t>(~fold(s));
}

void patch_checksum_at(MutByteSpan pkt, size_t off, ByteSpan old_a, ByteSpan new_a, bool udp,
                       bool v6) {
  uint16_t hc = load_be16(&pkt[off]);
  if (udp && !v6 && hc == 0) return;  // RFC 768: zero = no checksum, keep it so
  uint16_t n = update_checksum(hc, old_a, new_a);
  // RFC 768 / RFC 8200 §8.1: a computed UDP checksum of 0 is sent as 0xFFFF.
  if (n == 0 && udp) n = 0xffff;
  store_be16(&pkt[off], n);
}

// Offset of the checksum inside the upper-layer header, or 0 if none is
// covered by the pseudo-header.
size_t l4_checksum_offset(uint8_t proto, bool v6, size_t& min_len) {
  switch (proto) {
    case wire::kProtoTcp: min_len = 20; return 16;  // RFC 9293 §3.1
    case wire::kProtoUdp: min_len = 8; return 6;    // RFC 768
    case wire::kProtoIcmpv6:
      if (v6) { min_len = 4; return 2; }            // RFC 4443 §2.1
      return 0;
    default: return 0;
  }
}

}  // namespace

Status rewrite_address(MutByteSpan pkt, AddressField which, const wire::IpAddress& to) {
  if (pkt.empty()) return Errc::truncated;
  const bool v6 = (pkt[0] >> 4) == 6;
  if (v6 != to.is_v6()) return Errc::invalid_argument;
  size_t addr_off = 0, l4_off = 0;
  uint8_t proto = 0;
  bool has_l4 = true;
  if (!v6) {
    auto h = wire::parse_ipv4(pkt);
    if (!h) return h.error();
    addr_off = which == AddressField::source ? 12 : 16;  // RFC 791 §3.1
    l4_off = h->header_len();
    proto = h->protocol;
    has_l4 = (h->flags_frag & wire::kIpv4FragmentOffsetMask) == 0;
    pkt = pkt.first(h->total_len);
  } else {
    auto h = wire::parse_ipv6(pkt);
    if (!h) return h.error();
    addr_off = which == AddressField::source ? 8 : 24;  // RFC 8200 §3
    pkt = pkt.first(wire::kIpv6HeaderLen + h->payload_len);
    auto up = wire::skip_ipv6_extension_headers(pkt);
    if (!up) return up.error();
    l4_off = up->offset;
    proto = up->protocol;
    has_l4 = up->fragment_offset == 0;
  }
  const size_t alen = to.size();
  uint8_t old_addr[16];
  std::memcpy(old_addr, &pkt[addr_off], alen);
  ByteSpan old_a(old_addr, alen), new_a = to.bytes();

  size_t min_len = 0;
  const size_t ck = has_l4 ? l4_checksum_offset(proto, v6, min_len) : 0;
  if (ck != 0) {
    if (pkt.size() < l4_off + min_len) return Errc::truncated;
    patch_checksum_at(pkt, l4_off + ck, old_a, new_a, proto == wire::kProtoUdp, v6);
  }
  if (!v6) patch_checksum_at(pkt, 10, old_a, new_a, false, false);  // RFC 791 header checksum
  std::memcpy(&pkt[addr_off], new_a.data(), alen);
  return Errc::ok;
}

}  // namespace ainet::core
