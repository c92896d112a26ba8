#include "wire/ipv6.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

// ICMPv6 echo captured on Linux loopback (see checksum_test.cc).
const char* kKernelIcmpv6Echo =
    "60083aa500183a40"
    "00000000000000000000000000000001"
    "00000000000000000000000000000001"
    "80002d3e23c100011b870a6b0000000008b9000000000000";

// An IPv6 packet 2001:db8::1 -> 2001:db8::2 with the given first next header
// and payload (extension headers + upper layer).
Bytes v6_packet(uint8_t next_header, const Bytes& payload) {
  Ipv6Header h;
  h.traffic_class = 0;
  h.payload_len = static_cast<uint16_t>(payload.size());
  h.next_header = next_header;
  h.hop_limit = 64;
  h.src = IpAddress::parse("2001:db8::1").value();
  h.dst = IpAddress::parse("2001:db8::2").value();
  Bytes out(40 + payload.size());
  ByteWriter w(out);
  EXPECT_EQ(write_ipv6_header(w, h), Errc::ok);
  w.bytes(payload);
  return out;
}

// An 8-byte options header (Hop-by-Hop or Destination) holding PadN.
Bytes opts_header(uint8_t next) { return {next, 0, 1, 4, 0, 0, 0, 0}; }
// A Routing header (type 4 segment routing stand-in) with segments left.
Bytes routing_header(uint8_t next, uint8_t segments_left) {
  return {next, 0, 4, segments_left, 0, 0, 0, 0};
}
Bytes fragment_header(uint8_t next, uint16_t offset_units, bool more) {
  const uint16_t fo = static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0));
  return {next, 0, static_cast<uint8_t>(fo >> 8), static_cast<uint8_t>(fo), 1, 2, 3, 4};
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(Ipv6, ParsesKernelPacket) {
  const Bytes p = hex(kKernelIcmpv6Echo);
  auto h = parse_ipv6(p);
  ASSERT_TRUE(h.ok()) << to_string(h.error());
  EXPECT_EQ(h->traffic_class, 0x00);
  EXPECT_EQ(h->flow_label, 0x83aa5u);
  EXPECT_EQ(h->payload_len, 24);
  EXPECT_EQ(h->next_header, kProtoIcmpv6);
  EXPECT_EQ(h->hop_limit, 64);
  EXPECT_EQ(h->src.to_string(), "::1");
  EXPECT_EQ(h->payload.data(), p.data() + 40);
  auto up = skip_ipv6_extension_headers(p);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->protocol, kProtoIcmpv6);
  EXPECT_EQ(up->offset, 40u);
  EXPECT_FALSE(up->is_fragment);
}

TEST(Ipv6, WriteRoundTripKeepsTrafficClassAndFlowLabel) {
  Ipv6Header h;
  h.traffic_class = 0xa5;
  h.flow_label = 0xfedcb;
  h.payload_len = 0;
  h.next_header = kProtoNoNext;
  h.hop_limit = 3;
  h.src = IpAddress::parse("fe80::1").value();
  h.dst = IpAddress::parse("ff02::2").value();
  Bytes out(40);
  ByteWriter w(out);
  ASSERT_EQ(write_ipv6_header(w, h), Errc::ok);
  EXPECT_EQ(out[0], 0x6a);
  EXPECT_EQ(out[1], 0x5f);
  auto back = parse_ipv6(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->traffic_class, 0xa5);
  EXPECT_EQ(back->flow_label, 0xfedcbu);
  EXPECT_EQ(back->dst, h.dst);
  h.src = IpAddress::v4(1);
  ByteWriter w2(out);
  EXPECT_EQ(write_ipv6_header(w2, h), Errc::invalid_argument);
}

TEST(Ipv6, RejectsBadFixedHeader) {
  Bytes p = hex(kKernelIcmpv6Echo);
  p[0] = 0x45;
  EXPECT_EQ(parse_ipv6(p).error(), Errc::bad_version);
  p = hex(kKernelIcmpv6Echo);
  store_be16(&p[4], 25);  // one more than present
  EXPECT_EQ(parse_ipv6(p).error(), Errc::truncated);
  // RFC 2675: zero payload length + Hop-by-Hop = jumbogram.
  Bytes jumbo = v6_packet(kProtoHopByHop, opts_header(kProtoNoNext));
  store_be16(&jumbo[4], 0);
  EXPECT_EQ(parse_ipv6(jumbo).error(), Errc::unsupported);
}

TEST(Ipv6, SkipsFullChainToUpperLayer) {
  const Bytes tcp(20, 0x11);
  const Bytes p = v6_packet(kProtoHopByHop, cat({opts_header(kProtoDestOpts),
                                                 opts_header(kProtoRouting),
                                                 routing_header(kProtoFragment, 0),
                                                 fragment_header(kProtoTcp, 0, true), tcp}));
  auto up = skip_ipv6_extension_headers(p);
  ASSERT_TRUE(up.ok()) << to_string(up.error());
  EXPECT_EQ(up->protocol, kProtoTcp);
  EXPECT_EQ(up->offset, 40u + 32u);
  EXPECT_TRUE(up->is_fragment);
  EXPECT_TRUE(up->more_fragments);
  EXPECT_EQ(up->fragment_offset, 0);
}

TEST(Ipv6, LongerOptionHeaderUsesHdrExtLen) {
  Bytes hbh(24, 0);
  hbh[0] = kProtoUdp;
  hbh[1] = 2;  // (2 + 1) * 8 = 24 bytes
  hbh[2] = 1;  // PadN
  hbh[3] = 20;
  const Bytes p = v6_packet(kProtoHopByHop, cat({hbh, Bytes(8, 0)}));
  auto up = skip_ipv6_extension_headers(p);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->protocol, kProtoUdp);
  EXPECT_EQ(up->offset, 64u);
}

TEST(Ipv6, StopsAtAhEspAndNoNextHeader) {
  for (uint8_t stop : {kProtoAh, kProtoEsp, kProtoNoNext, kProtoOnion}) {
    const Bytes p = v6_packet(kProtoDestOpts, cat({opts_header(stop), Bytes(16, 0xee)}));
    auto up = skip_ipv6_extension_headers(p);
    ASSERT_TRUE(up.ok());
    EXPECT_EQ(up->protocol, stop);
    EXPECT_EQ(up->offset, 48u);
  }
}

TEST(Ipv6, LaterFragmentStopsWalk) {
  // The bytes after a non-first fragment are not a header: they must not be walked.
  const Bytes p = v6_packet(kProtoFragment, cat({fragment_header(kProtoDestOpts, 185, false),
                                                 Bytes{0xff, 0xff}}));
  auto up = skip_ipv6_extension_headers(p);
  ASSERT_TRUE(up.ok());
  EXPECT_TRUE(up->is_fragment);
  EXPECT_EQ(up->fragment_offset, 185);
  EXPECT_FALSE(up->more_fragments);
  EXPECT_EQ(up->protocol, kProtoDestOpts);
  EXPECT_EQ(up->offset, 48u);
}

TEST(Ipv6, MalformedChains) {
  // Hop-by-Hop after another header (RFC 8200 §4.1).
  EXPECT_EQ(skip_ipv6_extension_headers(
                v6_packet(kProtoDestOpts, cat({opts_header(kProtoHopByHop), opts_header(6)})))
                .error(),
            Errc::malformed);
  // Header length runs past the payload.
  Bytes longer = opts_header(kProtoTcp);
  longer[1] = 5;  // claims 48 bytes
  EXPECT_EQ(skip_ipv6_extension_headers(v6_packet(kProtoDestOpts, cat({longer, Bytes(8, 0)})))
                .error(),
            Errc::truncated);
  // Chain ends before a header's two fixed bytes.
  EXPECT_EQ(skip_ipv6_extension_headers(v6_packet(kProtoRouting, Bytes{kProtoTcp})).error(),
            Errc::truncated);
  EXPECT_EQ(skip_ipv6_extension_headers(v6_packet(kProtoFragment, Bytes(7, 0))).error(),
            Errc::truncated);
  // The chain is bounded by Payload Length, not by the buffer.
  Bytes p = v6_packet(kProtoDestOpts, cat({opts_header(kProtoTcp), Bytes(8, 0)}));
  store_be16(&p[4], 4);
  EXPECT_EQ(skip_ipv6_extension_headers(p).error(), Errc::truncated);
}

TEST(Ipv6, SelfReferencingChainHitsLimit) {
  // A "loop": every Destination Options header names another one.
  Bytes chain;
  for (int i = 0; i < 40; ++i) {
    const Bytes h = opts_header(kProtoDestOpts);
    chain.insert(chain.end(), h.begin(), h.end());
  }
  EXPECT_EQ(skip_ipv6_extension_headers(v6_packet(kProtoDestOpts, chain)).error(), Errc::limit);
  // Exactly the limit is still accepted.
  Bytes ok_chain;
  for (size_t i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    const Bytes h = opts_header(i + 1 == kMaxIpv6ExtensionHeaders ? kProtoUdp : kProtoDestOpts);
    ok_chain.insert(ok_chain.end(), h.begin(), h.end());
  }
  auto up = skip_ipv6_extension_headers(v6_packet(kProtoDestOpts, ok_chain));
  ASSERT_TRUE(up.ok()) << to_string(up.error());
  EXPECT_EQ(up->protocol, kProtoUdp);
  // Repeated fragment headers count too.
  Bytes frags;
  for (int i = 0; i < 12; ++i) {
    const Bytes h = fragment_header(kProtoFragment, 0, true);
    frags.insert(frags.end(), h.begin(), h.end());
  }
  EXPECT_EQ(skip_ipv6_extension_headers(v6_packet(kProtoFragment, frags)).error(), Errc::limit);
}

TEST(Ipv6, EveryTruncationIsAnError) {
  const Bytes p = v6_packet(kProtoHopByHop, cat({opts_header(kProtoRouting),
                                                 routing_header(kProtoTcp, 0), Bytes(20, 1)}));
  test::expect_every_prefix_fails(p, [](ByteSpan s) { return parse_ipv6(s).ok(); });
  test::expect_every_prefix_fails(
      p, [](ByteSpan s) { return skip_ipv6_extension_headers(s).ok(); });
}

}  // namespace
}  // namespace ainet::wire
