// Payload body codecs (RFC 7296 §3.3-§3.15): round trips and refusals.
#include "ike/payloads.h"

#include <gtest/gtest.h>

#include "ike_test_util.h"

namespace ainet::ike {
namespace {

using test::hex;
using wire::IpAddress;

Proposal ike_proposal(uint16_t key_bits) {
  Proposal p;
  p.number = 1;
  p.protocol = static_cast<uint8_t>(ProtocolId::ike);
  p.transforms = {{TransformType::encr, kEncrAesGcm16, key_bits},
                  {TransformType::prf, kPrfHmacSha2_256, 0},
                  {TransformType::dh, kDhCurve25519, 0}};
  return p;
}

TEST(SaPayload, RoundTripWithSpiAndKeyLength) {
  Proposal a = ike_proposal(256);
  Proposal b;
  b.number = 2;
  b.protocol = static_cast<uint8_t>(ProtocolId::esp);
  b.spi_size = 4;
  b.spi = 0xc0ffee01;
  b.transforms = {{TransformType::encr, kEncrAesGcm16, 128}, {TransformType::esn, kEsnNo, 0}};
  Bytes body;
  write_sa(body, {a, b});
  auto p = parse_sa(body);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].transforms, a.transforms);
  EXPECT_EQ((*p)[1].spi, 0xc0ffee01u);
  EXPECT_EQ((*p)[1].spi_size, 4);
  EXPECT_EQ((*p)[1].transforms, b.transforms);
  // Wire check of the first transform (§3.3.2, §3.3.5): more=3, len 12,
  // type 1, id 20, TV attribute 0x800e = 256.
  EXPECT_EQ(to_hex(ByteSpan(body).subspan(8, 12)), "0300000c01000014800e0100");
}

TEST(SaPayload, ParsesAStrongSwanStyleProposal) {
  // SA payload body as strongSwan sends for aes256gcm16-prfsha256-x25519.
  const Bytes body =
      hex("00000024010100030300000c01000014800e0100"
          "03000008020000050000000804000"
          "01f");
  auto p = parse_sa(body);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].transforms, ike_proposal(256).transforms);
}

TEST(SaPayload, Refusals) {
  Bytes body;
  write_sa(body, {ike_proposal(256)});
  EXPECT_EQ(parse_sa({}).error(), Errc::truncated);
  Bytes bad_more = body;
  bad_more[0] = 1;  // Last Substruc must be 0 or 2 (§3.3.1)
  EXPECT_EQ(parse_sa(bad_more).error(), Errc::malformed);
  Bytes bad_count = body;
  bad_count[7] = 2;  // fewer transforms than announced
  EXPECT_NE(parse_sa(bad_count).error(), Errc::ok);
  Bytes bad_spi = body;
  bad_spi[6] = 3;  // SPI size 3 is not defined
  EXPECT_EQ(parse_sa(bad_spi).error(), Errc::malformed);
  Bytes short_prop = body;
  store_be16(&short_prop[2], 7);
  EXPECT_EQ(parse_sa(short_prop).error(), Errc::malformed);
  Bytes trailing = body;
  trailing.push_back(0);
  EXPECT_EQ(parse_sa(trailing).error(), Errc::malformed);
  Bytes cut(body.begin(), body.end() - 1);
  EXPECT_NE(parse_sa(cut).error(), Errc::ok);
}

TEST(SaPayload, UnknownAttributeMarksTransformNotMessage) {
  // §3.3.6: an unrecognised attribute makes the transform unacceptable.
  Bytes body =
      hex("00000014"
          "01010001"
          "0000000c"
          "01000014"
          "80ff0001");
  auto p = parse_sa(body);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  EXPECT_TRUE((*p)[0].transforms[0].unknown_attribute);
}

TEST(SaPayload, BoundedProposals) {
  std::vector<Proposal> many(kMaxProposals + 1, ike_proposal(128));
  Bytes body;
  write_sa(body, many);
  EXPECT_EQ(parse_sa(body).error(), Errc::malformed);
}

TEST(KePayload, RoundTripAndEmpty) {
  Bytes body;
  const Bytes pub(32, 0x42);
  write_ke(body, kDhCurve25519, pub);
  auto k = parse_ke(body);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->group, kDhCurve25519);
  EXPECT_EQ(Bytes(k->data.begin(), k->data.end()), pub);
  EXPECT_EQ(parse_ke(ByteSpan(body).first(3)).error(), Errc::truncated);
  EXPECT_EQ(parse_ke(ByteSpan(body).first(4)).error(), Errc::malformed);
}

TEST(IdPayload, RoundTripAndAddressSizes) {
  for (const Identity& id :
       {Identity::fqdn("gw.example"), Identity::rfc822("a@b.example"),
        Identity::address(IpAddress::v4(0x0a000001)),
        Identity::address(*IpAddress::parse("2001:db8::5")), Identity::key_id(hex("0102"))}) {
    Bytes body;
    write_id(body, id);
    auto p = parse_id(body);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, id);
  }
  EXPECT_EQ(parse_id(hex("01000000c00002")).error(), Errc::malformed);  // 3-octet IPv4
  EXPECT_EQ(parse_id(hex("02000000")).error(), Errc::malformed);        // empty
  EXPECT_EQ(parse_id(hex("020000")).error(), Errc::truncated);
}

TEST(AuthPayload, RoundTrip) {
  Bytes body;
  write_auth(body, static_cast<uint8_t>(AuthMethod::shared_key_mic), Bytes(32, 1));
  auto a = parse_auth(body);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->method, 2);
  EXPECT_EQ(a->data.size(), 32u);
  EXPECT_EQ(parse_auth(hex("02000000")).error(), Errc::malformed);
}

TEST(NoncePayload, Bounds) {
  EXPECT_EQ(parse_nonce(Bytes(15)).error(), Errc::truncated);
  EXPECT_TRUE(parse_nonce(Bytes(16)).ok());
  EXPECT_TRUE(parse_nonce(Bytes(256)).ok());
  EXPECT_EQ(parse_nonce(Bytes(257)).error(), Errc::malformed);
}

TEST(NotifyPayload, RoundTripWithSpi) {
  Bytes body;
  const uint8_t spi[4] = {1, 2, 3, 4};
  write_notify(body, 3, static_cast<uint16_t>(NotifyType::rekey_sa), spi, {});
  auto n = parse_notify(body);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->protocol, 3);
  EXPECT_EQ(n->type, static_cast<uint16_t>(NotifyType::rekey_sa));
  EXPECT_EQ(n->spi.size(), 4u);
  EXPECT_TRUE(n->data.empty());
  EXPECT_EQ(parse_notify(hex("000240")).error(), Errc::truncated);
  EXPECT_EQ(parse_notify(hex("0003400001")).error(), Errc::malformed);  // SPI size 3
  EXPECT_EQ(parse_notify(hex("0304400901")).error(), Errc::truncated);  // SPI cut
}

TEST(DeletePayload, IkeAndEsp) {
  Bytes ike;
  write_delete_ike(ike);
  auto d = parse_delete(ike);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->protocol, 1);
  Bytes esp;
  write_delete_esp(esp, {0x11111111, 0x22222222});
  auto e = parse_delete(esp);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->count, 2);
  EXPECT_EQ(e->esp_spi(1), 0x22222222u);
  EXPECT_EQ(parse_delete(hex("01040000")).error(), Errc::malformed);  // IKE with SPI size
  EXPECT_EQ(parse_delete(hex("0304000211111111")).error(), Errc::truncated);
  EXPECT_EQ(parse_delete(hex("030400011111111122")).error(), Errc::malformed);
  EXPECT_EQ(parse_delete(hex("0908000100")).error(), Errc::malformed);  // unknown protocol
}

TEST(TsPayload, RoundTripV4V6AndUnknownType) {
  std::vector<TrafficSelector> ts = {TrafficSelector::any_v4(), TrafficSelector::any_v6(),
                                     TrafficSelector::host(IpAddress::v4(0x0a000002))};
  ts[2].ip_protocol = 17;
  ts[2].start_port = ts[2].end_port = 53;
  Bytes body;
  write_ts(body, ts);
  auto p = parse_ts(body);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, ts);
  // Prefix to range.
  auto pre = TrafficSelector::from_prefix(*wire::IpPrefix::parse("10.1.0.0/16"));
  EXPECT_EQ(pre.start.to_string(), "10.1.0.0");
  EXPECT_EQ(pre.end.to_string(), "10.1.255.255");
  // An unknown TS type (9, FC-style) is skipped by its Selector Length.
  Bytes unk =
      hex("02000000"
          "0900000c00000000aabbccdd");
  Bytes one;
  write_ts(one, {TrafficSelector::any_v4()});
  unk.insert(unk.end(), one.begin() + 4, one.end());
  auto u = parse_ts(unk);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ(parse_ts(hex("00000000")).error(), Errc::malformed);  // zero selectors
  Bytes bad_len = body;
  store_be16(&bad_len[6], 20);  // IPv4 selector must be 16 long
  EXPECT_NE(parse_ts(bad_len).error(), Errc::ok);
  Bytes cut(body.begin(), body.end() - 1);
  EXPECT_EQ(parse_ts(cut).error(), Errc::truncated);
}

TEST(CpPayload, RequestAndReply) {
  Bytes req;
  write_cp(req, static_cast<uint8_t>(CfgType::request),
           {{static_cast<uint16_t>(CfgAttr::internal_ip4_address), {}},
            {static_cast<uint16_t>(CfgAttr::internal_ip4_dns), {}}});
  auto r = parse_cp(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cfg_type, 1);
  ASSERT_EQ(r->attributes.size(), 2u);
  EXPECT_TRUE(r->attributes[0].value.empty());
  Bytes rep;
  write_cp(rep, static_cast<uint8_t>(CfgType::reply),
           {{static_cast<uint16_t>(CfgAttr::internal_ip4_address), Bytes{10, 9, 0, 1}},
            {static_cast<uint16_t>(CfgAttr::internal_ip6_address), Bytes(17, 1)}});
  auto p = parse_cp(rep);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->attributes[1].value.size(), 17u);
  EXPECT_EQ(parse_cp(hex("01000000000100030a0000")).error(), Errc::malformed);  // 3-octet v4
  EXPECT_EQ(parse_cp(hex("0100000000010004")).error(), Errc::truncated);
  // The R bit is reserved and ignored (§3.15.1).
  auto rb = parse_cp(hex("0100000080010000"));
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(rb->attributes[0].type, 1);
}

}  // namespace
}  // namespace ainet::ike
