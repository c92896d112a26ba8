// The endpoint's side of the traffic-analysis defences (docs/protocol.md
// "Shaping"): [shaping] in endpoint.toml, every ESP payload TFC-padded to one
// size (RFC 4303 §2.7), dummy packets (RFC 4303 §2.6) that the AIN's side of
// the tunnel opens and recognises, and TFC padding from the AIN stripped.
#include <gtest/gtest.h>

#include <set>

#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_datapath.h"
#include "wire/constants.h"
#include "wire/ipv4.h"
#include "support/endpoint_test_config.h"

namespace ainet::endpoint {
namespace {

EndpointConfig config(core::Carrier carrier, bool pad) {
  EndpointConfig c = test::endpoint_test_config(carrier);
  c.tun_mtu = 1365;
  c.pad = pad;
  return c;
}

core::TunnelBundle ain_side(const EndpointConfig& c) {
  return core::TunnelBundle::create(c.carrier, c.in, c.out, c.ain_address, c.tunnel_address, 64)
      .value();
}

Bytes datagram(size_t len, uint8_t marker) {
  Bytes p(len, marker);
  wire::Ipv4Header h;
  h.total_len = static_cast<uint16_t>(len);
  h.ttl = 64;
  h.protocol = wire::kProtoUdp;
  h.src = *wire::IpAddress::parse("10.99.0.7");
  h.dst = *wire::IpAddress::parse("10.200.4.2");
  ByteWriter w{MutByteSpan(p)};
  EXPECT_TRUE(ok(wire::write_ipv4_header(w, h)));
  return p;
}

class EndpointShaping : public ::testing::TestWithParam<core::Carrier> {
 protected:
  crypto::DeterministicRng rng{11};
};

TEST_P(EndpointShaping, PaddedPacketsAndDummiesHaveOneLengthAndOpenAtTheAin) {
  const auto c = config(GetParam(), true);
  auto dp = EndpointDatapath::create(c).value();
  auto ain = ain_side(c);
  std::set<size_t> lengths;
  for (size_t len : {28, 300, 1365}) {
    const Bytes d = datagram(len, static_cast<uint8_t>(len));
    auto sealed = dp.outbound(d, rng);
    ASSERT_TRUE(sealed.ok());
    lengths.insert(sealed->size());
    Bytes wire(sealed->begin(), sealed->end());
    auto o = ain.open(wire);
    ASSERT_TRUE(o.ok());
    // The datagram, then zeros up to tun_mtu (TFC padding).
    ASSERT_EQ(o->payload.size(), 1365u);
    EXPECT_EQ(Bytes(o->payload.begin(), o->payload.begin() + static_cast<long>(len)), d);
    for (size_t i = len; i < o->payload.size(); ++i) ASSERT_EQ(o->payload[i], 0) << i;
  }
  auto dummy = dp.dummy(rng);
  ASSERT_TRUE(dummy.ok());
  lengths.insert(dummy->size());
  Bytes wire(dummy->begin(), dummy->end());
  auto o = ain.open(wire);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->next_header, wire::kProtoNoNext);  // RFC 4303 §2.6
  wire::CustomerControl msg;
  msg.src = *wire::IpAddress::parse("10.99.0.7");
  msg.dst = *wire::IpAddress::parse("10.200.4.2");
  auto ctl = dp.control(msg, rng);
  ASSERT_TRUE(ctl.ok());
  lengths.insert(ctl->size());
  EXPECT_EQ(lengths.size(), 1u) << "datagrams, dummies and control messages differ in length";
  EXPECT_EQ(dp.counters().dummies_sent, 1u);
}

TEST_P(EndpointShaping, UnpaddedDummyStillLooksLikeAFullPacket) {
  const auto c = config(GetParam(), false);
  auto dp = EndpointDatapath::create(c).value();
  const size_t full = dp.outbound(datagram(1365, 1), rng)->size();
  const size_t small = dp.outbound(datagram(60, 1), rng)->size();
  EXPECT_LT(small, full);
  EXPECT_EQ(dp.dummy(rng)->size(), full);
}

TEST_P(EndpointShaping, TfcPaddingFromTheAinIsStrippedAndDummiesCounted) {
  const auto c = config(GetParam(), false);
  auto dp = EndpointDatapath::create(c).value();
  auto ain = ain_side(c);
  const Bytes d = datagram(100, 7);
  Bytes padded = d;
  padded.resize(1365, 0);
  Bytes out(4096);
  auto sealed = ain.seal(padded, wire::kProtoIpv4, out, rng);
  ASSERT_TRUE(sealed.ok());
  auto in = dp.inbound(c.ain_address, *sealed);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(Bytes(in->begin(), in->end()), d);
  auto dummy = ain.seal(Bytes(1365, 0), wire::kProtoNoNext, out, rng);
  ASSERT_TRUE(dummy.ok());
  EXPECT_FALSE(dp.inbound(c.ain_address, *dummy).ok());
  EXPECT_EQ(dp.counters().dummies_received, 1u);
}

INSTANTIATE_TEST_SUITE_P(Carriers, EndpointShaping,
                         ::testing::Values(core::Carrier::ip, core::Carrier::udp));

TEST(EndpointShapingConfig, ReadsTheSectionAndNamesMistakes) {
  const std::string keys =
      "[endpoint]\nain_address = \"10.200.0.1\"\ntunnel_address = \"10.200.1.1\"\n"
      "tun_mtu = 1365\ninner_addresses = [\"10.99.0.7\"]\nroutes = [\"10.200.4.0/24\"]\n"
      "[endpoint.out]\nesp_spi = 6553857\nesp_key = \"" + std::string(72, '1') +
      "\"\nah_spi = 6553858\nah_key = \"" + std::string(64, '2') +
      "\"\n[endpoint.in]\nesp_spi = 91137\nesp_key = \"" + std::string(72, '3') +
      "\"\nah_spi = 91138\nah_key = \"" + std::string(64, '4') + "\"\n";  // 16 lines
  auto ok = parse_endpoint_config(keys + "[shaping]\nprofile = \"constant\"\nrate = 200\npad = true\nqueue = 32\n",
                                  "endpoint.toml", "");
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.config.shaping, core::ShapingProfile::make_constant(200));
  EXPECT_TRUE(ok.config.pad);
  EXPECT_EQ(ok.config.queue, 32u);
  EXPECT_FALSE(parse_endpoint_config(keys, "endpoint.toml", "").config.shaping.shaped());
  auto bad = parse_endpoint_config(keys + "[shaping]\nprofile = \"constant\"\nrate = 0\n", "endpoint.toml", "");
  EXPECT_EQ(bad.error, "endpoint.toml:19: shaping.rate: expected 1..100000, got 0");
  auto typo = parse_endpoint_config(keys + "[shaping]\npadd = true\n", "endpoint.toml", "");
  EXPECT_EQ(typo.error, "endpoint.toml:18: shaping.padd: unknown key");
}

}  // namespace
}  // namespace ainet::endpoint
