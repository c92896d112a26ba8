#include "wire/udp_encap.h"

#include <gtest/gtest.h>

#include "wire/checksum.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

TEST(UdpEncap, ClassifiesPort4500Payloads) {
  // RFC 3948 §2.3: NAT-keepalive.
  auto k = classify_udp_encap(Bytes{0xff});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->kind, UdpEncapKind::keepalive);
  EXPECT_TRUE(k->data.empty());
  // RFC 3948 §2.2: non-ESP marker, then IKE.
  const Bytes ike = hex("00000000" "0102030405060708");
  auto i = classify_udp_encap(ike);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->kind, UdpEncapKind::ike);
  EXPECT_EQ(i->data.data(), ike.data() + 4);
  EXPECT_EQ(i->data.size(), 8u);
  auto marker_only = classify_udp_encap(Bytes(4, 0));
  ASSERT_TRUE(marker_only.ok());
  EXPECT_EQ(marker_only->kind, UdpEncapKind::ike);
  // RFC 3948 §2.1: ESP header directly after UDP.
  const Bytes esp = hex("0102030400000001" "aabb");
  auto e = classify_udp_encap(esp);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, UdpEncapKind::esp);
  EXPECT_EQ(e->data.data(), esp.data());
  EXPECT_EQ(e->data.size(), esp.size());
}

TEST(UdpEncap, RejectsAmbiguousOrShortPayloads) {
  EXPECT_EQ(classify_udp_encap(ByteSpan{}).error(), Errc::truncated);
  EXPECT_EQ(classify_udp_encap(Bytes{0xfe}).error(), Errc::malformed);
  EXPECT_EQ(classify_udp_encap(Bytes{0xff, 0xff}).error(), Errc::malformed);
  EXPECT_EQ(classify_udp_encap(Bytes{0, 0, 0}).error(), Errc::malformed);
  EXPECT_EQ(classify_udp_encap(hex("01020304000000")).error(), Errc::malformed);  // 7 bytes
}

// UDP datagrams captured on Linux loopback (`sendto` from Python). Loopback
// offloads the checksum, so the field holds the kernel's folded pseudo-header
// sum (CHECKSUM_PARTIAL), and the real checksum is the Internet checksum of
// the datagram as captured. That gives an independent check of our pseudo-header.
struct Captured {
  const char* src;
  const char* dst;
  const char* udp;
};
const Captured kCaptured[] = {
    {"127.0.0.1", "127.0.0.1", "90d111940017fe2a61696e657420776972652074657374"},
    {"::1", "::1", "b08811940018002b61696e65742077697265207465737421"},
};

TEST(Udp, ChecksumMatchesKernelPseudoHeader) {
  for (const auto& c : kCaptured) {
    const IpAddress src = IpAddress::parse(c.src).value();
    const IpAddress dst = IpAddress::parse(c.dst).value();
    const Bytes d = hex(c.udp);
    auto h = parse_udp(d);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->dst_port, kUdpEncapPort);
    EXPECT_EQ(h->length, d.size());
    EXPECT_EQ(udp_checksum(src, dst, d), internet_checksum(d)) << c.src;
  }
}

TEST(Udp, FinalizeThenVerifyBothFamilies) {
  for (const char* a : {"198.51.100.7", "2001:db8::7"}) {
    const IpAddress src = IpAddress::parse(a).value();
    const IpAddress dst = IpAddress::parse(src.is_v4() ? "203.0.113.9" : "2001:db8::9").value();
    Bytes d = hex("0000000000000000" "0102030405060708090a0b");
    ASSERT_EQ(finalize_udp_header(d, src, dst, 4500, 4500, true), Errc::ok);
    EXPECT_EQ(load_be16(&d[4]), d.size());
    EXPECT_NE(load_be16(&d[6]), 0);
    EXPECT_EQ(verify_udp_checksum(src, dst, d), Errc::ok);
    auto h = parse_udp(d);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->src_port, 4500);
    EXPECT_EQ(h->payload.size(), 11u);
    Bytes bad = d;
    bad[9] ^= 0x10;
    EXPECT_EQ(verify_udp_checksum(src, dst, bad), Errc::bad_checksum);
    // The pseudo-header covers the addresses.
    const IpAddress other = IpAddress::parse(src.is_v4() ? "203.0.113.10" : "2001:db8::a").value();
    EXPECT_EQ(verify_udp_checksum(src, other, d), Errc::bad_checksum);
  }
}

TEST(Udp, ZeroChecksumRulesPerFamily) {
  const IpAddress v4a = IpAddress::parse("192.0.2.1").value();
  const IpAddress v4b = IpAddress::parse("192.0.2.2").value();
  const IpAddress v6a = IpAddress::parse("2001:db8::1").value();
  const IpAddress v6b = IpAddress::parse("2001:db8::2").value();
  Bytes d = hex("1194119400000000" "01020304050607");
  // RFC 3948 §2.1 / RFC 768: IPv4 may send zero, receivers accept it.
  ASSERT_EQ(finalize_udp_header(d, v4a, v4b, 4500, 4500, false), Errc::ok);
  EXPECT_EQ(load_be16(&d[6]), 0);
  EXPECT_EQ(verify_udp_checksum(v4a, v4b, d), Errc::ok);
  // RFC 8200 §8.1: never for IPv6.
  EXPECT_EQ(verify_udp_checksum(v6a, v6b, d), Errc::bad_checksum);
  EXPECT_EQ(finalize_udp_header(d, v6a, v6b, 4500, 4500, false), Errc::invalid_argument);
  EXPECT_EQ(finalize_udp_header(d, v4a, v6b, 4500, 4500, true), Errc::invalid_argument);
}

TEST(Udp, ComputedZeroIsSentAsAllOnes) {
  // Choose the last payload word so the one's-complement sum is 0xffff: the
  // computed checksum is then 0 and RFC 768 sends it as 0xffff.
  const IpAddress a = IpAddress::parse("2001:db8::1").value();
  const IpAddress b = IpAddress::parse("2001:db8::2").value();
  Bytes d = hex("1194119400000000" "0102030405060000");
  store_be16(&d[4], static_cast<uint16_t>(d.size()));
  store_be16(&d[14], udp_checksum(a, b, d));  // = complement of the sum so far
  ASSERT_EQ(udp_checksum(a, b, d), 0);
  ASSERT_EQ(finalize_udp_header(d, a, b, 4500, 4500, true), Errc::ok);
  EXPECT_EQ(load_be16(&d[6]), 0xffff);
  EXPECT_EQ(verify_udp_checksum(a, b, d), Errc::ok);
}

TEST(Udp, ParseErrors) {
  Bytes d = hex("1194119400080000");
  EXPECT_TRUE(parse_udp(d).ok());
  store_be16(&d[4], 7);
  EXPECT_EQ(parse_udp(d).error(), Errc::malformed);
  store_be16(&d[4], 9);
  EXPECT_EQ(parse_udp(d).error(), Errc::truncated);
  const Bytes full = hex("11941194000c0000" "ffffffff");
  test::expect_every_prefix_fails(full, [](ByteSpan s) { return parse_udp(s).ok(); });
  Bytes tiny(7);
  EXPECT_EQ(finalize_udp_header(tiny, IpAddress::v4(1), IpAddress::v4(2), 1, 2, true),
            Errc::truncated);
  EXPECT_EQ(verify_udp_checksum(IpAddress::v4(1), IpAddress::v4(2), tiny), Errc::truncated);
  Bytes huge(70000);
  EXPECT_EQ(finalize_udp_header(huge, IpAddress::v4(1), IpAddress::v4(2), 1, 2, true),
            Errc::limit);
}

}  // namespace
}  // namespace ainet::wire
