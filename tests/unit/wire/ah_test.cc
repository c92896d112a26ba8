#include "wire/ah.h"

#include <gtest/gtest.h>

#include <set>

#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

constexpr size_t kIcv = 16;  // HMAC-SHA-256-128 (RFC 4868)

TEST(AhLayout, IcvAlignment) {
  // RFC 4302 §2.6 / §3.3.3.2.1: 96-bit ICVs need no padding in either family.
  EXPECT_EQ(ah_icv_padded_len(12, false), 12u);
  EXPECT_EQ(ah_icv_padded_len(12, true), 12u);
  // HMAC-SHA-256-128: 12 + 16 = 28 is 32-bit aligned, but IPv6 pads to 32.
  EXPECT_EQ(ah_header_len(16, false), 28u);
  EXPECT_EQ(ah_header_len(16, true), 32u);
  EXPECT_EQ(ah_icv_padded_len(16, true), 20u);
  EXPECT_EQ(ah_header_len(32, false), 44u);
  EXPECT_EQ(ah_header_len(32, true), 48u);
  EXPECT_EQ(ah_header_len(0, true), 16u);
  EXPECT_EQ(ah_header_len(1, false), 16u);
}

TEST(AhHeader, WriteExactBytesAndParse) {
  for (bool v6 : {false, true}) {
    Bytes buf(64, 0xee);
    ByteWriter w(buf);
    auto slot = write_ah_header(w, kProtoOnion, 0x1000, 7, kIcv, v6);
    ASSERT_TRUE(slot.ok());
    EXPECT_EQ(slot->size(), kIcv);
    EXPECT_EQ(slot->data(), buf.data() + 12);
    EXPECT_EQ(w.pos(), v6 ? 32u : 28u);
    // RFC 4302 §2.2: Payload Length = length in 32-bit words - 2 (5 or 6).
    const Bytes expect_fixed = v6 ? hex("fd06000000001000" "00000007") : hex("fd05000000001000" "00000007");
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 12), expect_fixed);
    for (size_t i = 12; i < w.pos(); ++i) EXPECT_EQ(buf[i], 0) << i;
    EXPECT_EQ(buf[w.pos()], 0xee) << "nothing written past the header";

    auto h = parse_ah_header(ByteSpan(buf).first(w.pos()), v6);
    ASSERT_TRUE(h.ok()) << to_string(h.error());
    EXPECT_EQ(h->next_header, kProtoOnion);
    EXPECT_EQ(h->payload_len_words, v6 ? 6 : 5);
    EXPECT_EQ(h->spi, 0x1000u);
    EXPECT_EQ(h->seq_lo, 7u);
    EXPECT_EQ(h->icv_field.size(), v6 ? 20u : 16u);
    EXPECT_EQ(h->total_len(), w.pos());
    test::expect_every_prefix_fails(Bytes(buf.begin(), buf.begin() + static_cast<long>(w.pos())),
                                    [v6](ByteSpan s) { return parse_ah_header(s, v6).ok(); });
  }
}

TEST(AhHeader, RejectsBadHeaders) {
  // 28 bytes: fine for IPv4, not 64-bit aligned for IPv6 (RFC 4302 §2.2).
  Bytes b = hex("fd05000000001000" "00000007") ;
  b.resize(28, 0xaa);
  EXPECT_TRUE(parse_ah_header(b, false).ok());
  EXPECT_EQ(parse_ah_header(b, true).error(), Errc::malformed);
  Bytes tiny = b;
  tiny[1] = 0;  // 8 bytes: shorter than the fixed part
  EXPECT_EQ(parse_ah_header(tiny, false).error(), Errc::malformed);
  Bytes spi = b;
  store_be32(&spi[4], 255);
  EXPECT_EQ(parse_ah_header(spi, false).error(), Errc::malformed);
  Bytes longer = b;
  longer[1] = 6;  // claims 32 bytes, 28 present
  EXPECT_EQ(parse_ah_header(longer, false).error(), Errc::truncated);
  Bytes buf(2000);
  ByteWriter w(buf);
  EXPECT_EQ(write_ah_header(w, 4, 0x1000, 1, 1020, false).error(), Errc::invalid_argument);
  ByteWriter w2(buf);
  EXPECT_EQ(write_ah_header(w2, 4, 5, 1, 16, false).error(), Errc::invalid_argument);
  Bytes small(27);
  ByteWriter w3(small);
  EXPECT_EQ(write_ah_header(w3, 4, 0x1000, 1, 16, false).error(), Errc::buffer_too_small);
}

// IPv4 + options (NOP, Router Alert, Record Route) + AH(16-byte ICV) + 8 bytes.
Bytes ah_v4_packet() {
  const Bytes opts = hex("01" "94040000" "0707080a0b0c0d");
  Ipv4Header h;
  h.tos = 0xb8;
  h.total_len = 20 + 12 + 28 + 8;
  h.id = 0x4242;
  h.flags_frag = kIpv4FlagDontFragment;
  h.ttl = 63;
  h.protocol = kProtoAh;
  h.src = IpAddress::parse("192.0.2.1").value();
  h.dst = IpAddress::parse("192.0.2.2").value();
  h.options = opts;
  Bytes p(h.total_len);
  ByteWriter w(p);
  EXPECT_EQ(write_ipv4_header(w, h), Errc::ok);
  auto icv = write_ah_header(w, kProtoOnion, 0x1000, 7, kIcv, false);
  EXPECT_TRUE(icv.ok());
  std::fill(icv->begin(), icv->end(), 0xaa);
  w.bytes(Bytes(8, 0x55));
  EXPECT_EQ(w.remaining(), 0u);
  return p;
}

// IPv6 + Hop-by-Hop + Destination Options + Routing(SL=0) + AH(16-byte ICV +
// 4 bytes padding) + 8 bytes.
Bytes ah_v6_packet() {
  const Bytes hbh = hex("3c01" "05020000" "3e04deadbeef" "01020000");  // RA kept, 0x3e mutable
  const Bytes dst = hex("2b00" "7f0199" "010100");                    // 0x7f mutable
  const Bytes rt = hex("3300" "0400" "77777777");                     // Segments Left 0
  Ipv6Header h;
  h.traffic_class = 0xb8;
  h.flow_label = 0x12345;
  h.payload_len = static_cast<uint16_t>(hbh.size() + dst.size() + rt.size() + 32 + 8);
  h.next_header = kProtoHopByHop;
  h.hop_limit = 64;
  h.src = IpAddress::parse("2001:db8::1").value();
  h.dst = IpAddress::parse("2001:db8::2").value();
  Bytes p(40 + h.payload_len);
  ByteWriter w(p);
  EXPECT_EQ(write_ipv6_header(w, h), Errc::ok);
  w.bytes(hbh);
  w.bytes(dst);
  w.bytes(rt);
  auto icv = write_ah_header(w, kProtoOnion, 0x2000, 9, kIcv, true);
  EXPECT_TRUE(icv.ok());
  std::fill(icv->begin(), icv->end(), 0xaa);
  w.bytes(Bytes(8, 0x55));
  EXPECT_EQ(w.remaining(), 0u);
  std::fill(p.begin() + 100, p.begin() + 104, 0xcc);  // ICV padding (sender's choice, §2.6)
  return p;
}

void expect_only_zeroed(const Bytes& before, const Bytes& after, const std::set<size_t>& zeroed) {
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    if (zeroed.count(i))
      EXPECT_EQ(after[i], 0) << "byte " << i << " should be zeroed";
    else
      EXPECT_EQ(after[i], before[i]) << "byte " << i << " should be kept";
  }
}

TEST(AhZeroing, Ipv4ExactlyTheMutableBytes) {
  const Bytes orig = ah_v4_packet();
  ASSERT_TRUE(parse_ipv4(orig).ok());
  Bytes scratch = orig;
  auto loc = ah_zero_mutable_fields(scratch, kIcv);
  ASSERT_TRUE(loc.ok()) << to_string(loc.error());
  EXPECT_EQ(loc->family, IpFamily::v4);
  EXPECT_EQ(loc->ah_offset, 32u);
  EXPECT_EQ(loc->payload_offset, 60u);
  EXPECT_EQ(loc->packet_len, orig.size());
  EXPECT_EQ(loc->ah.spi, 0x1000u);
  std::set<size_t> z = {1, 6, 7, 8, 10, 11};  // TOS, flags+offset, TTL, checksum (§3.3.3.1.1.1)
  for (size_t i = 25; i < 32; ++i) z.insert(i);  // Record Route, whole option (Appendix A1)
  for (size_t i = 44; i < 60; ++i) z.insert(i);  // ICV
  expect_only_zeroed(orig, scratch, z);
  // The zeroed fields were non-zero before, so the test sees the difference.
  EXPECT_EQ(orig[1], 0xb8);
  EXPECT_EQ(orig[6], 0x40);
  EXPECT_EQ(orig[8], 63);
  EXPECT_EQ(orig[44], 0xaa);
}

TEST(AhZeroing, Ipv6ExactlyTheMutableBytes) {
  const Bytes orig = ah_v6_packet();
  ASSERT_TRUE(parse_ipv6(orig).ok());
  Bytes scratch = orig;
  auto loc = ah_zero_mutable_fields(scratch, kIcv);
  ASSERT_TRUE(loc.ok()) << to_string(loc.error());
  EXPECT_EQ(loc->family, IpFamily::v6);
  EXPECT_EQ(loc->ah_offset, 72u);
  EXPECT_EQ(loc->payload_offset, 104u);
  EXPECT_EQ(scratch[0], 0x60) << "version kept, traffic class high nibble zeroed";
  Bytes orig_masked = orig;
  orig_masked[0] = 0x60;
  std::set<size_t> z = {1, 2, 3, 7};  // traffic class, flow label, hop limit (§3.3.3.1.2.1)
  for (size_t i = 48; i < 52; ++i) z.insert(i);  // data of HbH option 0x3e
  z.insert(60);                                   // data of Dest option 0x7f
  for (size_t i = 84; i < 100; ++i) z.insert(i);  // ICV; padding 100..103 kept
  expect_only_zeroed(orig_masked, scratch, z);
  EXPECT_EQ(scratch[100], 0xcc);
  EXPECT_EQ(orig[0], 0x6b);
  EXPECT_EQ(orig[48], 0xde);
  EXPECT_EQ(orig[60], 0x99);
}

TEST(AhZeroing, SameIcvInputAfterRoutersChangeMutableFields) {
  // What the sender MACs must equal what the receiver MACs after the path
  // changed every mutable field.
  {
    const Bytes sent = ah_v4_packet();
    Bytes recv = sent;
    recv[1] = 0x02;      // ECN marked
    recv[8] = 50;        // TTL decremented
    recv[27] = 12;       // Record Route pointer moved
    recv[28] = 0x63;     // router wrote its address
    ASSERT_EQ(ipv4_update_checksum(recv), Errc::ok);
    ASSERT_TRUE(parse_ipv4(recv).ok());
    Bytes a = sent, b = recv;
    ASSERT_TRUE(ah_zero_mutable_fields(a, kIcv).ok());
    ASSERT_TRUE(ah_zero_mutable_fields(b, kIcv).ok());
    EXPECT_EQ(a, b);
    b[13] ^= 1;  // ...but an immutable field (source address) is covered
    EXPECT_NE(a, b);
  }
  {
    const Bytes sent = ah_v6_packet();
    Bytes recv = sent;
    recv[1] ^= 0x30;  // traffic class bits
    recv[3] = 0x99;   // flow label
    recv[7] = 1;      // hop limit
    recv[49] = 0x00;  // mutable HbH option data
    Bytes a = sent, b = recv;
    ASSERT_TRUE(ah_zero_mutable_fields(a, kIcv).ok());
    ASSERT_TRUE(ah_zero_mutable_fields(b, kIcv).ok());
    EXPECT_EQ(a, b);
    b[44] ^= 1;  // immutable Router Alert option data is covered
    EXPECT_NE(a, b);
  }
}

TEST(AhZeroing, UnsupportedAndMalformedCases) {
  {  // Loose Source Route: destination is mutable but predictable.
    Bytes p = ah_v4_packet();
    p[25] = 131;
    ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
    EXPECT_EQ(ah_zero_mutable_fields(p, kIcv).error(), Errc::unsupported);
  }
  {  // Option length 0.
    Bytes p = ah_v4_packet();
    p[26] = 0;
    ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
    EXPECT_EQ(ah_zero_mutable_fields(p, kIcv).error(), Errc::malformed);
  }
  {  // Option running past the options area.
    Bytes p = ah_v4_packet();
    p[26] = 8;
    ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
    EXPECT_EQ(ah_zero_mutable_fields(p, kIcv).error(), Errc::malformed);
  }
  {  // Routing header with segments left.
    Bytes p = ah_v6_packet();
    p[67] = 1;
    EXPECT_EQ(ah_zero_mutable_fields(p, kIcv).error(), Errc::unsupported);
  }
  {  // IPv6 option overrunning its header.
    Bytes p = ah_v6_packet();
    p[47] = 9;
    EXPECT_EQ(ah_zero_mutable_fields(p, kIcv).error(), Errc::malformed);
  }
  {  // ICV length that does not match the field.
    Bytes p = ah_v6_packet();
    EXPECT_EQ(ah_zero_mutable_fields(p, 24).error(), Errc::malformed);
    EXPECT_EQ(ah_zero_mutable_fields(p, 12).error(), Errc::malformed);  // 8 bytes of "padding"
  }
}

TEST(AhLocate, NotAhAndFragments) {
  Bytes p = ah_v4_packet();
  p[9] = kProtoEsp;
  ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
  EXPECT_EQ(locate_ah(p).error(), Errc::not_found);
  p = ah_v4_packet();
  store_be16(&p[6], 0x2000);  // more fragments
  ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
  EXPECT_EQ(locate_ah(p).error(), Errc::unsupported);
  Bytes v6 = ah_v6_packet();
  v6[64] = kProtoFragment;  // routing header now names a fragment header (the AH bytes)
  EXPECT_FALSE(locate_ah(v6).ok());
  EXPECT_EQ(locate_ah(Bytes{0x50}).error(), Errc::bad_version);
}

TEST(AhLocate, EveryTruncationIsAnError) {
  for (const Bytes& p : {ah_v4_packet(), ah_v6_packet()}) {
    test::expect_every_prefix_fails(p, [](ByteSpan s) { return locate_ah(s).ok(); });
    test::expect_every_prefix_fails(p, [](ByteSpan s) {
      Bytes copy(s.begin(), s.end());
      return ah_zero_mutable_fields(copy, kIcv).ok();
    });
  }
}

}  // namespace
}  // namespace ainet::wire
