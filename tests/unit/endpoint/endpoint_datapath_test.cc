// The endpoint's packet path against an AIN-side TunnelBundle with the
// mirrored keys (what aind builds for a customer): both directions, both
// carriers, and every drop counted.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "endpoint/endpoint_datapath.h"
#include "util/bytes.h"
#include "wire/constants.h"
#include "wire/ipv4.h"
#include "support/endpoint_test_config.h"

namespace ainet::endpoint {
namespace {

Bytes key(size_t n, uint8_t fill) { return Bytes(n, fill); }

EndpointConfig config(core::Carrier carrier) { return test::endpoint_test_config(carrier); }

// The AIN's end of the same tunnel (src/core: customers use TunnelBundle).
core::TunnelBundle ain_side(const EndpointConfig& c) {
  auto b = core::TunnelBundle::create(c.carrier, c.in, c.out, c.ain_address, c.tunnel_address, 64);
  EXPECT_TRUE(b.ok());
  return std::move(*b);
}

// A small inner IPv4/UDP-ish datagram from 10.99.0.7 to 10.200.4.2.
Bytes inner_packet(uint8_t marker) {
  Bytes p(60, 0);
  wire::Ipv4Header h;
  h.total_len = 60;
  h.ttl = 64;
  h.protocol = wire::kProtoUdp;
  h.src = *wire::IpAddress::parse("10.99.0.7");
  h.dst = *wire::IpAddress::parse("10.200.4.2");
  ByteWriter w{MutByteSpan(p)};
  EXPECT_TRUE(ok(wire::write_ipv4_header(w, h)));
  for (size_t i = 20; i < p.size(); ++i) p[i] = static_cast<uint8_t>(marker + i);
  return p;
}

class DatapathTest : public ::testing::TestWithParam<core::Carrier> {
 protected:
  crypto::DeterministicRng rng{7};
};

TEST_P(DatapathTest, OutboundOpensAtTheAin) {
  const auto c = config(GetParam());
  auto dp = EndpointDatapath::create(c);
  ASSERT_TRUE(dp.ok());
  auto ain = ain_side(c);
  const Bytes inner = inner_packet(1);
  auto sealed = dp->outbound(inner, rng);
  ASSERT_TRUE(sealed.ok());
  if (GetParam() == core::Carrier::ip) {
    // RFC 4301 §3.3: AH outermost over ESP; the outer header is ours -> AIN.
    ASSERT_GE(sealed->size(), 20u);
    EXPECT_EQ((*sealed)[0] >> 4, 4);
    EXPECT_EQ((*sealed)[9], wire::kProtoAh);
  }
  Bytes wire_copy(sealed->begin(), sealed->end());
  auto opened = ain.open(MutByteSpan(wire_copy));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->next_header, wire::kProtoIpv4);
  EXPECT_EQ(Bytes(opened->payload.begin(), opened->payload.end()), inner);
  EXPECT_EQ(dp->counters().sealed, 1u);
}

TEST_P(DatapathTest, InboundFromTheAinOpensAndTamperingIsCounted) {
  const auto c = config(GetParam());
  auto dp = EndpointDatapath::create(c);
  ASSERT_TRUE(dp.ok());
  auto ain = ain_side(c);
  std::array<uint8_t, 2048> out{};
  const std::optional<wire::IpAddress> sender =
      GetParam() == core::Carrier::udp ? std::optional(c.ain_address) : std::nullopt;

  const Bytes inner = inner_packet(2);
  auto sealed = ain.seal(inner, wire::kProtoIpv4, MutByteSpan(out), rng);
  ASSERT_TRUE(sealed.ok());
  const Bytes good(sealed->begin(), sealed->end());

  auto got = dp->inbound(sender, good);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Bytes(got->begin(), got->end()), inner);
  EXPECT_EQ(dp->counters().opened, 1u);

  // The same packet again: RFC 4303 §3.4.3 replay, dropped.
  EXPECT_FALSE(dp->inbound(sender, good).ok());
  EXPECT_EQ(dp->counters().open_failed, 1u);

  // A flipped byte in the ciphertext: ICV/tag fails, dropped and counted.
  auto next = ain.seal(inner, wire::kProtoIpv4, MutByteSpan(out), rng);
  ASSERT_TRUE(next.ok());
  Bytes bad(next->begin(), next->end());
  bad[bad.size() - 20] ^= 0x01;
  EXPECT_FALSE(dp->inbound(sender, bad).ok());
  EXPECT_EQ(dp->counters().open_failed, 2u);
  EXPECT_EQ(dp->counters().opened, 1u);
}

TEST_P(DatapathTest, DropsWhatDoesNotComeFromTheAin) {
  const auto c = config(GetParam());
  auto dp = EndpointDatapath::create(c);
  ASSERT_TRUE(dp.ok());
  auto ain = ain_side(c);
  std::array<uint8_t, 2048> out{};
  auto sealed = ain.seal(inner_packet(3), wire::kProtoIpv4, MutByteSpan(out), rng);
  ASSERT_TRUE(sealed.ok());
  Bytes p(sealed->begin(), sealed->end());
  if (GetParam() == core::Carrier::udp) {
    EXPECT_FALSE(dp->inbound(*wire::IpAddress::parse("10.200.9.9"), p).ok());
    EXPECT_FALSE(dp->inbound(std::nullopt, p).ok());
    EXPECT_EQ(dp->counters().not_from_ain, 2u);
    // RFC 3948 §2.3 NAT-keepalive and §2.2 non-ESP marker.
    EXPECT_FALSE(dp->inbound(c.ain_address, Bytes{0xff}).ok());
    EXPECT_FALSE(dp->inbound(c.ain_address, Bytes(20, 0)).ok());
    EXPECT_EQ(dp->counters().not_esp, 2u);
  } else {
    p[12] = 10, p[13] = 200, p[14] = 9, p[15] = 9;  // RFC 791 §3.1 source address
    EXPECT_FALSE(dp->inbound(std::nullopt, p).ok());
    EXPECT_FALSE(dp->inbound(std::nullopt, Bytes{0x45, 0}).ok());
    EXPECT_EQ(dp->counters().not_from_ain, 2u);
  }
  EXPECT_EQ(dp->counters().opened, 0u);
}

TEST_P(DatapathTest, RefusesNonIpFromTheTun) {
  auto dp = EndpointDatapath::create(config(GetParam()));
  ASSERT_TRUE(dp.ok());
  EXPECT_FALSE(dp->outbound(Bytes{0x00, 0x01, 0x02}, rng).ok());
  EXPECT_FALSE(dp->outbound(Bytes{}, rng).ok());
  EXPECT_EQ(dp->counters().bad_inner, 2u);
  EXPECT_EQ(dp->counters().sealed, 0u);
}

// Link-scoped datagrams (an IPv6 router solicitation, mDNS, broadcast) are
// counted and never sealed; the same datagram to a routable address is.
TEST_P(DatapathTest, KeepsLinkScopedTrafficOffTheTunnel) {
  auto dp = EndpointDatapath::create(config(GetParam()));
  ASSERT_TRUE(dp.ok());
  auto with = [](const char* src, const char* dst) {
    Bytes p = inner_packet(1);
    const auto s = *wire::IpAddress::parse(src), d = *wire::IpAddress::parse(dst);
    if (s.is_v6()) {
      p.assign(48, 0);
      p[0] = 0x60;
      p[5] = 8;
      p[6] = wire::kProtoUdp;
      p[7] = 255;
      std::copy(s.bytes().begin(), s.bytes().end(), p.begin() + 8);
      std::copy(d.bytes().begin(), d.bytes().end(), p.begin() + 24);
    } else {
      std::copy(s.bytes().begin(), s.bytes().end(), p.begin() + 12);
      std::copy(d.bytes().begin(), d.bytes().end(), p.begin() + 16);
    }
    return p;
  };
  const std::pair<const char*, const char*> scoped[] = {
      {"fe80::1", "ff02::2"}, {"fd00:99::1", "ff02::16"}, {"10.99.0.7", "224.0.0.251"},
      {"10.99.0.7", "255.255.255.255"}, {"169.254.0.1", "10.200.4.2"}};
  for (const auto& [s, d] : scoped) EXPECT_EQ(dp->outbound(with(s, d), rng).error(), Errc::unsupported) << d;
  EXPECT_EQ(dp->counters().link_scoped, std::size(scoped));
  EXPECT_EQ(dp->counters().sealed, 0u);
  EXPECT_TRUE(dp->outbound(with("fd00:99::1", "fd00:200:0:4::2"), rng).ok());
  EXPECT_TRUE(dp->outbound(with("10.99.0.7", "10.200.4.2"), rng).ok());
  EXPECT_EQ(dp->counters().sealed, 2u);
  // Too short to hold both addresses: not IP as far as the tunnel goes.
  EXPECT_EQ(dp->outbound(Bytes{0x60, 0, 0, 0, 0, 0, 17, 1, 0}, rng).error(), Errc::malformed);
}

INSTANTIATE_TEST_SUITE_P(Carriers, DatapathTest, ::testing::Values(core::Carrier::ip, core::Carrier::udp),
                         [](const ::testing::TestParamInfo<core::Carrier>& p) { return std::string(p.param == core::Carrier::ip ? "ip" : "udp"); });

TEST(EndpointDatapath, RefusesBadKeys) {
  auto c = config(core::Carrier::ip);
  c.out.esp_key = key(10, 1);
  EXPECT_FALSE(EndpointDatapath::create(c).ok());
}

}  // namespace
}  // namespace ainet::endpoint

namespace ainet::endpoint {
namespace {

// The DESTROY the endpoint sends on shutdown opens at the AIN as next header
// 253 and parses back to the same pair (docs/protocol.md "Customer tunnels").
TEST(EndpointDatapath, ControlDestroyOpensAtTheAin) {
  for (auto carrier : {core::Carrier::ip, core::Carrier::udp}) {
    const auto c = config(carrier);
    auto dp = EndpointDatapath::create(c);
    ASSERT_TRUE(dp.ok());
    auto ain = ain_side(c);
    crypto::DeterministicRng rng(9);
    wire::CustomerControl msg;
    msg.src = *wire::IpAddress::parse("10.99.0.7");
    msg.dst = *wire::IpAddress::parse("10.200.4.2");
    auto sealed = dp->control(msg, rng);
    ASSERT_TRUE(sealed.ok());
    Bytes p(sealed->begin(), sealed->end());
    auto opened = ain.open(MutByteSpan(p));
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->next_header, wire::kProtoOnion);
    auto parsed = wire::parse_customer_control(opened->payload);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, msg);
    // Mixed families cannot be serialized.
    msg.dst = *wire::IpAddress::parse("fd00::1");
    EXPECT_FALSE(dp->control(msg, rng).ok());
  }
}

}  // namespace
}  // namespace ainet::endpoint
