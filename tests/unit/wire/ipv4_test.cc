#include "wire/ipv4.h"

#include <gtest/gtest.h>

#include "wire/checksum.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

using test::kKernelIcmpEcho4;  // wire_test_util.h

TEST(Ipv4, ParsesKernelPacket) {
  const Bytes p = hex(kKernelIcmpEcho4);
  auto h = parse_ipv4(p);
  ASSERT_TRUE(h.ok()) << to_string(h.error());
  EXPECT_EQ(h->header_len(), 20u);
  EXPECT_EQ(h->total_len, 44);
  EXPECT_EQ(h->id, 0x9203);
  EXPECT_TRUE(h->dont_fragment());
  EXPECT_FALSE(h->is_fragment());
  EXPECT_EQ(h->ttl, 64);
  EXPECT_EQ(h->protocol, kProtoIcmp);
  EXPECT_EQ(h->checksum, 0xaacb);
  EXPECT_EQ(h->src.to_string(), "127.0.0.1");
  EXPECT_EQ(h->dst.to_string(), "127.0.0.1");
  EXPECT_EQ(h->payload.size(), 24u);
  EXPECT_EQ(h->payload.data(), p.data() + 20) << "zero-copy view into the buffer";
}

TEST(Ipv4, RejectsBadFields) {
  const Bytes good = hex(kKernelIcmpEcho4);
  {
    Bytes p = good;
    p[8] ^= 1;  // TTL changed without fixing the checksum
    EXPECT_EQ(parse_ipv4(p).error(), Errc::bad_checksum);
  }
  {
    Bytes p = good;
    p[0] = 0x65;
    EXPECT_EQ(parse_ipv4(p).error(), Errc::bad_version);
  }
  {
    Bytes p = good;
    p[0] = 0x44;  // IHL 4 < 5
    EXPECT_EQ(parse_ipv4(p).error(), Errc::malformed);
  }
  {
    Bytes p = good;
    store_be16(&p[2], 19);  // total length shorter than the header
    ASSERT_TRUE(ok(ipv4_update_checksum(p)));
    EXPECT_EQ(parse_ipv4(p).error(), Errc::malformed);
  }
  {
    Bytes p = good;
    store_be16(&p[2], 45);  // one byte more than we have
    ASSERT_TRUE(ok(ipv4_update_checksum(p)));
    EXPECT_EQ(parse_ipv4(p).error(), Errc::truncated);
  }
  {
    Bytes p = good;
    p[0] = 0x46;  // IHL 6: header longer than 20 bytes, checksum now covers more
    EXPECT_FALSE(parse_ipv4(p).ok());
  }
}

TEST(Ipv4, IgnoresLinkPaddingAfterTotalLength) {
  Bytes p = hex(kKernelIcmpEcho4);
  p.insert(p.end(), {0xde, 0xad});
  auto h = parse_ipv4(p);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload.size(), 24u);
}

TEST(Ipv4, WriteThenParseRoundTripWithOptions) {
  const Bytes opts = hex("94040000");  // Router Alert (RFC 2113)
  const Bytes payload = hex("0102030405");
  Ipv4Header h;
  h.tos = 0xb8;
  h.total_len = static_cast<uint16_t>(24 + payload.size());
  h.id = 0x1234;
  h.flags_frag = kIpv4FlagDontFragment;
  h.ttl = 17;
  h.protocol = kProtoUdp;
  h.src = IpAddress::parse("198.51.100.1").value();
  h.dst = IpAddress::parse("203.0.113.2").value();
  h.options = opts;
  Bytes buf(h.total_len);
  ByteWriter w(buf);
  ASSERT_EQ(write_ipv4_header(w, h), Errc::ok);
  EXPECT_EQ(w.pos(), 24u);
  w.bytes(payload);
  EXPECT_EQ(buf[0], 0x46);
  EXPECT_EQ(internet_checksum(ByteSpan(buf).first(24)), 0);
  auto back = parse_ipv4(buf);
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  EXPECT_EQ(back->tos, 0xb8);
  EXPECT_EQ(back->id, 0x1234);
  EXPECT_EQ(back->ttl, 17);
  EXPECT_EQ(back->protocol, kProtoUdp);
  EXPECT_EQ(back->src, h.src);
  EXPECT_EQ(back->dst, h.dst);
  EXPECT_EQ(Bytes(back->options.begin(), back->options.end()), opts);
  EXPECT_EQ(Bytes(back->payload.begin(), back->payload.end()), payload);
}

TEST(Ipv4, WriteRefusesBadInput) {
  Bytes buf(64);
  Ipv4Header h;
  h.src = IpAddress::parse("::1").value();
  h.dst = IpAddress::v4(1);
  ByteWriter w1(buf);
  EXPECT_EQ(write_ipv4_header(w1, h), Errc::invalid_argument);
  h.src = IpAddress::v4(2);
  const Bytes three = hex("010101");
  h.options = three;  // not a multiple of 4
  ByteWriter w2(buf);
  EXPECT_EQ(write_ipv4_header(w2, h), Errc::invalid_argument);
  const Bytes too_long(44, 1);
  h.options = too_long;  // IHL would exceed 15
  ByteWriter w3(buf);
  EXPECT_EQ(write_ipv4_header(w3, h), Errc::invalid_argument);
  h.options = {};
  Bytes small(19);
  ByteWriter w4(small);
  EXPECT_EQ(write_ipv4_header(w4, h), Errc::buffer_too_small);
}

TEST(Ipv4, UpdateChecksumAfterEdit) {
  Bytes p = hex(kKernelIcmpEcho4);
  p[8] = 1;  // TTL
  EXPECT_EQ(parse_ipv4(p).error(), Errc::bad_checksum);
  ASSERT_EQ(ipv4_update_checksum(p), Errc::ok);
  EXPECT_TRUE(parse_ipv4(p).ok());
  Bytes short_buf(10, 0x45);
  EXPECT_EQ(ipv4_update_checksum(short_buf), Errc::truncated);
}

TEST(Ipv4, EveryTruncationIsAnError) {
  test::expect_every_prefix_fails(hex(kKernelIcmpEcho4),
                                  [](ByteSpan s) { return parse_ipv4(s).ok(); });
}

}  // namespace
}  // namespace ainet::wire
