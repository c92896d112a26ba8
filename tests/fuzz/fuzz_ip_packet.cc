// Fuzzes the family-independent packet parser, outer-header building and ECN
// propagation; the first input byte is the outer TOS for decapsulation.
#include <vector>

#include "fuzz_check.h"
#include "wire/ip_packet.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t outer_tos = data[0];
  const ByteSpan in(data + 1, size - 1);
  auto info = parse_ip_packet(in);
  if (!info) return 0;
  FUZZ_CHECK(info->payload_offset <= info->total_len && info->total_len <= in.size());
  FUZZ_CHECK(info->src.family() == info->family && info->dst.family() == info->family);

  // Tunnel it: outer header of the other family, then parse the result.
  OuterHeaderSpec spec;
  spec.src = info->src;
  spec.dst = info->dst;
  spec.protocol = tunnel_next_header(info->family);
  spec.payload_len = info->total_len;
  apply_tunnel_policy(*info, TunnelPolicy{}, spec);
  std::vector<uint8_t> pkt(kIpv6HeaderLen + info->total_len);
  auto n = build_outer_header(spec, pkt);
  if (n) {
    std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(info->total_len),
              pkt.begin() + static_cast<std::ptrdiff_t>(*n));
    pkt.resize(*n + info->total_len);
    auto outer = parse_ip_packet(pkt);
    FUZZ_CHECK(outer.ok());
    FUZZ_CHECK(outer->protocol == spec.protocol && outer->payload_offset == *n);
  } else {
    FUZZ_CHECK(n.error() == Errc::limit);  // an inner IPv4 of 65535 bytes cannot be wrapped
  }

  // ECN propagation keeps the packet valid (IPv4 checksum updated).
  std::vector<uint8_t> copy(in.begin(), in.end());
  if (propagate_ecn_on_decap(outer_tos, copy) == Errc::ok) FUZZ_CHECK(parse_ip_packet(copy).ok());
  return 0;
}
