// parse_tunnel_inner(): what tunnel-mode sealing reads of an inner packet. It
// must agree with wire::parse_ip_packet on every field sealing uses and refuse
// every packet that one refuses for its IP header, with the same error; the
// one deliberate difference (no IPv6 extension-header walk) is pinned here.
#include "sa/tunnel_inner.h"

#include <gtest/gtest.h>

#include <functional>

#include "crypto/rng.h"
#include "sa_test_support.h"
#include "wire/checksum.h"
#include "wire/constants.h"

namespace ainet::sa {
namespace {

using test::make_inner_packet;

void fix_ipv4_checksum(Bytes& p) {
  const size_t ihl = size_t{p[0] & 0x0fU} * 4;
  store_be16(&p[10], 0);
  store_be16(&p[10], wire::internet_checksum(ByteSpan(p).first(ihl)));
}

void expect_agrees(const Bytes& p) {
  auto full = wire::parse_ip_packet(p);
  auto t = parse_tunnel_inner(p);
  ASSERT_TRUE(full) << to_string(full.error());
  ASSERT_TRUE(t) << to_string(t.error());
  EXPECT_EQ(t->family, full->family);
  EXPECT_EQ(t->total_len, full->total_len);
  EXPECT_EQ(t->tos, full->tos);
  EXPECT_EQ(t->dont_fragment, full->dont_fragment);
  const wire::IpPacketInfo policy = t->policy_input();
  EXPECT_EQ(policy.family, full->family);
  EXPECT_EQ(policy.tos, full->tos);
  EXPECT_EQ(policy.dont_fragment, full->dont_fragment);
}

TEST(TunnelInner, AgreesWithTheFullParseOnValidPackets) {
  for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    for (size_t len : {0, 1, 100, 1400}) {
      for (uint8_t tos : {0x00, 0x03, 0xb9}) {
        SCOPED_TRACE(std::to_string(len) + " tos " + std::to_string(tos));
        Bytes p = make_inner_packet(fam, len, tos);
        expect_agrees(p);
        p.resize(p.size() + 7, 0xee);  // a link-layer trailer is not part of the packet
        expect_agrees(p);
      }
    }
  }
  // IPv4: DF clear and set, and a header with options (IHL 6).
  Bytes p = make_inner_packet(wire::IpFamily::v4, 50);
  p[6] = 0x00;
  fix_ipv4_checksum(p);
  expect_agrees(p);
  p[6] = 0x40;
  fix_ipv4_checksum(p);
  expect_agrees(p);
  Bytes opt(p.size() + 4);
  std::copy(p.begin(), p.begin() + 20, opt.begin());
  opt[20] = 1, opt[21] = 1, opt[22] = 1, opt[23] = 0;  // NOPs, end of options
  std::copy(p.begin() + 20, p.end(), opt.begin() + 24);
  opt[0] = 0x46;
  store_be16(&opt[2], static_cast<uint16_t>(opt.size()));
  fix_ipv4_checksum(opt);
  expect_agrees(opt);
}

TEST(TunnelInner, RefusesWhatTheFullParseRefusesWithTheSameError) {
  const Bytes v4 = make_inner_packet(wire::IpFamily::v4, 60);
  const Bytes v6 = make_inner_packet(wire::IpFamily::v6, 60);
  struct Case {
    const char* what;
    Bytes packet;
    Errc want;
  };
  std::vector<Case> cases;
  cases.push_back({"empty", Bytes(), Errc::truncated});
  {
    Bytes p = v4;
    p[0] = 0x55;
    cases.push_back({"version 5", p, Errc::bad_version});
  }
  cases.push_back({"v4 shorter than 20", Bytes(v4.begin(), v4.begin() + 19), Errc::truncated});
  {
    Bytes p = v4;
    p[0] = 0x44;
    fix_ipv4_checksum(p);
    cases.push_back({"v4 IHL 4", p, Errc::malformed});
  }
  {
    Bytes p(v4.begin(), v4.begin() + 22);
    p[0] = 0x46;
    cases.push_back({"v4 options past the buffer", p, Errc::truncated});
  }
  {
    Bytes p = v4;
    store_be16(&p[2], 19);
    fix_ipv4_checksum(p);
    cases.push_back({"v4 total length < header", p, Errc::malformed});
  }
  cases.push_back(
      {"v4 total length past the buffer", Bytes(v4.begin(), v4.end() - 1), Errc::truncated});
  {
    Bytes p = v4;
    p[8] ^= 1;  // TTL changed, checksum not
    cases.push_back({"v4 bad header checksum", p, Errc::bad_checksum});
  }
  cases.push_back({"v6 shorter than 40", Bytes(v6.begin(), v6.begin() + 39), Errc::truncated});
  cases.push_back({"v6 payload past the buffer", Bytes(v6.begin(), v6.end() - 1), Errc::truncated});
  {
    Bytes p = v6;
    store_be16(&p[4], 0);
    p[6] = wire::kProtoHopByHop;
    cases.push_back({"v6 jumbogram", p, Errc::unsupported});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto full = wire::parse_ip_packet(c.packet);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error(), c.want);
    auto t = parse_tunnel_inner(c.packet);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), c.want);
  }
}

TEST(TunnelInner, DoesNotWalkIpv6ExtensionHeaders) {
  // A Destination Options header whose length runs past the packet: the full
  // parse refuses it; sealing carries it (the decapsulating side's parse
  // drops it), since the seal needs only the IPv6 header.
  Bytes p = make_inner_packet(wire::IpFamily::v6, 16);
  p[6] = wire::kProtoDestOpts;
  p[40] = wire::kProtoUdp;
  p[41] = 5;  // (5 + 1) * 8 = 48 bytes > 16
  EXPECT_EQ(wire::parse_ip_packet(p).error(), Errc::truncated);
  auto t = parse_tunnel_inner(p);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->total_len, p.size());
}

TEST(TunnelInner, SealInnerPacketCountsARefusalAndBurnsNoSequenceNumber) {
  crypto::DeterministicRng rng(4);
  auto tx = test::make_sa(test::make_config(Transform::esp_aes128_gcm, 0x77, Framing::ip));
  Bytes p = make_inner_packet(wire::IpFamily::v4, 60);
  p[8] ^= 1;
  Bytes out(tx->sealed_size(p.size()));
  EXPECT_EQ(tx->seal_inner_packet(p, out, rng).error(), Errc::bad_checksum);
  EXPECT_EQ(tx->counters().refused(Errc::bad_checksum), 1u);
  EXPECT_EQ(tx->last_sent_seq(), 0u);
}

}  // namespace
}  // namespace ainet::sa
