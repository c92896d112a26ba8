#include "wire/ip_packet.h"

#include <gtest/gtest.h>

#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

// Inner packets: an IPv4 UDP datagram and an IPv6 one behind a Destination
// Options header.
Bytes inner_v4(uint8_t tos, bool df) {
  Ipv4Header h;
  h.tos = tos;
  h.total_len = 20 + 12;
  h.id = 7;
  h.flags_frag = df ? kIpv4FlagDontFragment : 0;
  h.ttl = 9;
  h.protocol = kProtoUdp;
  h.src = IpAddress::parse("10.0.0.1").value();
  h.dst = IpAddress::parse("10.0.0.2").value();
  Bytes p(h.total_len);
  ByteWriter w(p);
  EXPECT_EQ(write_ipv4_header(w, h), Errc::ok);
  w.bytes(hex("d43104d2000c0000" "cafe0001"));
  return p;
}

Bytes inner_v6(uint8_t tc) {
  Ipv6Header h;
  h.traffic_class = tc;
  h.flow_label = 0xabcde;
  h.payload_len = 8 + 12;
  h.next_header = kProtoDestOpts;
  h.hop_limit = 5;
  h.src = IpAddress::parse("fd00::1").value();
  h.dst = IpAddress::parse("fd00::2").value();
  Bytes p(40 + h.payload_len);
  ByteWriter w(p);
  EXPECT_EQ(write_ipv6_header(w, h), Errc::ok);
  w.bytes(hex("1100010400000000"));
  w.bytes(hex("d43104d2000c0000" "cafe0001"));
  return p;
}

TEST(IpPacket, ParsesBothFamilies) {
  const Bytes v4 = inner_v4(0x2e, true);
  auto a = parse_ip_packet(v4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->family, IpFamily::v4);
  EXPECT_EQ(a->protocol, kProtoUdp);
  EXPECT_EQ(a->payload_offset, 20u);
  EXPECT_EQ(a->total_len, 32u);
  EXPECT_EQ(a->hop_limit, 9);
  EXPECT_EQ(a->tos, 0x2e);
  EXPECT_TRUE(a->dont_fragment);
  EXPECT_EQ(a->dst.to_string(), "10.0.0.2");

  const Bytes v6 = inner_v6(0x2e);
  auto b = parse_ip_packet(v6);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->family, IpFamily::v6);
  EXPECT_EQ(b->protocol, kProtoUdp);  // past the Destination Options header
  EXPECT_EQ(b->payload_offset, 48u);
  EXPECT_EQ(b->total_len, 60u);
  EXPECT_EQ(b->hop_limit, 5);
  EXPECT_EQ(b->tos, 0x2e);
  EXPECT_TRUE(b->dont_fragment);

  EXPECT_EQ(parse_ip_packet(Bytes{0x15, 0}).error(), Errc::bad_version);
  EXPECT_EQ(parse_ip_packet(ByteSpan{}).error(), Errc::truncated);
  for (const Bytes& p : {v4, v6})
    test::expect_every_prefix_fails(p, [](ByteSpan s) { return parse_ip_packet(s).ok(); });
}

struct TunnelCase {
  const char* name;
  bool inner_is_v4;
  const char* outer_src;
  const char* outer_dst;
};

class Tunnel : public ::testing::TestWithParam<TunnelCase> {};

TEST_P(Tunnel, OuterHeaderCarriesInnerPacket) {
  const TunnelCase& tc = GetParam();
  const Bytes inner = tc.inner_is_v4 ? inner_v4(0xb9, true) : inner_v6(0xb9);  // DSCP 46, ECT(1)
  auto info = parse_ip_packet(inner);
  ASSERT_TRUE(info.ok());

  OuterHeaderSpec spec;
  spec.src = IpAddress::parse(tc.outer_src).value();
  spec.dst = IpAddress::parse(tc.outer_dst).value();
  spec.protocol = tunnel_next_header(info->family);  // plain IP-in-IP here; ESP uses 50
  spec.payload_len = inner.size();
  spec.hop_limit = 64;
  spec.ipv4_id = 0x0102;
  spec.flow_label = 0x54321;
  apply_tunnel_policy(*info, TunnelPolicy{}, spec);
  // RFC 4301 §5.1.2.1: ECN copied, DSCP not (ainet default), DF copied.
  EXPECT_EQ(spec.tos, 0x01);
  EXPECT_TRUE(spec.dont_fragment);

  const size_t olen = outer_header_len(spec.src.family());
  Bytes pkt(olen + inner.size(), 0xee);
  auto n = build_outer_header(spec, pkt);
  ASSERT_TRUE(n.ok()) << to_string(n.error());
  ASSERT_EQ(*n, olen);
  std::copy(inner.begin(), inner.end(), pkt.begin() + static_cast<long>(olen));

  auto outer = parse_ip_packet(pkt);
  ASSERT_TRUE(outer.ok()) << to_string(outer.error());
  EXPECT_EQ(outer->src, spec.src);
  EXPECT_EQ(outer->dst, spec.dst);
  EXPECT_EQ(outer->protocol, tc.inner_is_v4 ? kProtoIpv4 : kProtoIpv6);
  EXPECT_EQ(outer->payload_offset, olen);
  EXPECT_EQ(outer->total_len, pkt.size());
  EXPECT_EQ(outer->hop_limit, 64) << "outer TTL is constructed, not copied";
  EXPECT_EQ(outer->tos, 0x01);
  if (outer->family == IpFamily::v4) {
    auto h = parse_ipv4(pkt);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->id, 0x0102);
    EXPECT_TRUE(h->dont_fragment());
  } else {
    auto h = parse_ipv6(pkt);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->flow_label, 0x54321u);
  }
  // The decapsulated inner packet is the original, byte for byte.
  const Bytes back(pkt.begin() + static_cast<long>(outer->payload_offset), pkt.end());
  EXPECT_EQ(back, inner);
}

INSTANTIATE_TEST_SUITE_P(
    AllFamilies, Tunnel,
    ::testing::Values(TunnelCase{"4in4", true, "192.0.2.1", "198.51.100.1"},
                      TunnelCase{"6in6", false, "2001:db8::1", "2001:db8:1::1"},
                      TunnelCase{"4in6", true, "2001:db8::1", "2001:db8:1::1"},
                      TunnelCase{"6in4", false, "192.0.2.1", "198.51.100.1"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(TunnelPolicy, CopyDscpAndDfOptions) {
  auto v4 = parse_ip_packet(inner_v4(0xb8, false)).value();
  OuterHeaderSpec spec;
  apply_tunnel_policy(v4, TunnelPolicy{.copy_dscp = true, .copy_ecn = true, .copy_df = true},
                      spec);
  EXPECT_EQ(spec.tos, 0xb8);
  EXPECT_FALSE(spec.dont_fragment) << "inner DF clear is copied as clear";
  apply_tunnel_policy(v4, TunnelPolicy{.copy_dscp = false, .copy_ecn = false, .copy_df = false},
                      spec);
  EXPECT_EQ(spec.tos, 0);
  auto v6 = parse_ip_packet(inner_v6(0x03)).value();
  apply_tunnel_policy(v6, TunnelPolicy{}, spec);
  EXPECT_EQ(spec.tos, 0x03);
  EXPECT_TRUE(spec.dont_fragment) << "an IPv6 inner packet counts as DF";
  EXPECT_EQ(tunnel_next_header(IpFamily::v4), 4);
  EXPECT_EQ(tunnel_next_header(IpFamily::v6), 41);
}

TEST(OuterHeader, Errors) {
  OuterHeaderSpec spec;
  spec.src = IpAddress::parse("192.0.2.1").value();
  spec.dst = IpAddress::parse("2001:db8::1").value();
  Bytes out(40);
  EXPECT_EQ(build_outer_header(spec, out).error(), Errc::invalid_argument);
  spec.dst = IpAddress::parse("192.0.2.2").value();
  spec.payload_len = 65535 - 20 + 1;
  EXPECT_EQ(build_outer_header(spec, out).error(), Errc::limit);
  spec.payload_len = 100;
  Bytes small(19);
  EXPECT_EQ(build_outer_header(spec, small).error(), Errc::buffer_too_small);
  spec.src = IpAddress::parse("::1").value();
  spec.dst = IpAddress::parse("::2").value();
  spec.payload_len = 65536;
  EXPECT_EQ(build_outer_header(spec, out).error(), Errc::limit);
  spec.payload_len = 65535;  // IPv6 payload length may be the full 16 bits
  EXPECT_TRUE(build_outer_header(spec, out).ok());
  Bytes small6(39);
  EXPECT_EQ(build_outer_header(spec, small6).error(), Errc::buffer_too_small);
}

TEST(EcnDecap, Rfc6040Table) {
  // {outer ECN, inner ECN, expected inner ECN (or -1 = drop)}
  const int table[][3] = {
      {0, 0, 0}, {0, 1, 1}, {0, 2, 2}, {0, 3, 3},   // outer Not-ECT: inner unchanged
      {2, 0, 0}, {2, 1, 1}, {2, 2, 2}, {2, 3, 3},   // outer ECT(0)
      {1, 0, 0}, {1, 1, 1}, {1, 2, 1}, {1, 3, 3},   // outer ECT(1): ECT(0) -> ECT(1)
      {3, 0, -1}, {3, 1, 3}, {3, 2, 3}, {3, 3, 3},  // outer CE
  };
  for (const auto& row : table) {
    for (bool v4 : {true, false}) {
      Bytes p = v4 ? inner_v4(static_cast<uint8_t>(0xb8 | row[1]), true)
                   : inner_v6(static_cast<uint8_t>(0xb8 | row[1]));
      const Status s = propagate_ecn_on_decap(static_cast<uint8_t>(0x48 | row[0]), p);
      if (row[2] < 0) {
        EXPECT_EQ(s, Errc::malformed);
        continue;
      }
      ASSERT_EQ(s, Errc::ok);
      auto info = parse_ip_packet(p);  // IPv4 checksum must still be right
      ASSERT_TRUE(info.ok()) << row[0] << row[1];
      EXPECT_EQ(info->tos, 0xb8 | row[2]) << "outer " << row[0] << " inner " << row[1];
    }
  }
  Bytes bad = {0x50};
  EXPECT_EQ(propagate_ecn_on_decap(3, bad), Errc::bad_version);
  Bytes short4 = {0x45, 0x01};
  EXPECT_EQ(propagate_ecn_on_decap(3, short4), Errc::truncated);
}

}  // namespace
}  // namespace ainet::wire
