// The simulated customer's ESP+AH tunnel against an independent AIN-side
// mirror built from the same CustomerConfig, over both carriers.
#include <gtest/gtest.h>

#include "sim/sim_customer.h"
#include "sim/sim_datagram.h"
#include "sim/sim_network.h"
#include "sim/sim_topology.h"

namespace ainet::sim {
namespace {

// The AIN end of a customer tunnel, written directly on the SA layer.
class MirrorAin final : public Endpoint {
 public:
  MirrorAin(const core::CustomerConfig& c, const IpAddress& self, bool udp) : udp_(udp) {
    auto cfg = [&](const core::BundleKeys& k, bool esp) {
      sa::SaConfig s;
      s.spi = esp ? k.esp_spi : k.ah_spi;
      s.transform = esp ? sa::Transform::esp_aes256_gcm : sa::Transform::ah_hmac_sha256;
      EXPECT_TRUE(s.keymat.assign(esp ? k.esp_key : k.ah_key));
      s.framing = esp ? (udp ? sa::Framing::udp : sa::Framing::bare) : sa::Framing::ip;
      s.local = self;
      s.remote = c.tunnel_address;
      return s;
    };
    in_esp = sa::SecurityAssociation::create(cfg(c.in, true)).value();
    out_esp = sa::SecurityAssociation::create(cfg(c.out, true)).value();
    if (!udp) {
      in_ah = sa::SecurityAssociation::create(cfg(c.in, false)).value();
      out_ah = sa::SecurityAssociation::create(cfg(c.out, false)).value();
    }
  }
  void receive(Time, const IpAddress&, ByteSpan packet) override {
    Bytes buf(packet.begin(), packet.end());
    MutByteSpan esp = buf;
    if (!udp_) {
      auto a = in_ah->open(esp);
      ASSERT_TRUE(a.ok()) << to_string(a.error());
      esp = a->payload;
    }
    auto e = in_esp->open(esp);
    ASSERT_TRUE(e.ok()) << to_string(e.error());
    got.push_back({e->next_header, Bytes(e->payload.begin(), e->payload.end())});
  }
  Bytes seal(ByteSpan inner, crypto::Rng& rng) {
    Bytes esp(out_esp->sealed_size(inner.size()));
    auto n = out_esp->seal_inner_packet(inner, esp, rng);
    EXPECT_TRUE(n.ok());
    esp.resize(*n);
    if (udp_) return esp;
    Bytes pkt(out_ah->sealed_size(esp.size()));
    auto m = out_ah->seal(esp, wire::kProtoEsp, pkt, rng);
    EXPECT_TRUE(m.ok());
    pkt.resize(*m);
    return pkt;
  }
  std::vector<std::pair<uint8_t, Bytes>> got;
  std::unique_ptr<sa::SecurityAssociation> in_esp, out_esp, in_ah, out_ah;
  bool udp_;
};

class SimCustomerTest : public ::testing::TestWithParam<core::Carrier> {};

TEST_P(SimCustomerTest, TunnelCarriesDatagramsAndControlBothWays) {
  const bool udp = GetParam() == core::Carrier::udp;
  crypto::DeterministicRng rng(5);
  SimNetwork net(5);
  core::CustomerConfig cc;
  cc.id = 1;
  cc.tunnel_address = *IpAddress::parse("172.16.0.1");
  cc.in = random_bundle_keys(rng);
  cc.out = random_bundle_keys(rng);
  const IpAddress ain = ain_address(1, false);
  MirrorAin mirror(cc, ain, udp);
  net.attach(ain, &mirror);
  auto cust = SimCustomer::make(net, cc, ain, GetParam(), rng);
  ASSERT_NE(cust, nullptr);

  Flow f{*IpAddress::parse("10.200.0.1"), *IpAddress::parse("198.51.100.7")};
  Bytes d = make_udp_datagram(f, sim_payload(1, 1, 300));
  ASSERT_EQ(cust->send_datagram(d), Errc::ok);
  ASSERT_EQ(cust->send_destroy(f.src, f.dst), Errc::ok);
  net.run_for(Duration::s(1));
  ASSERT_EQ(mirror.got.size(), 2u);
  EXPECT_EQ(mirror.got[0].first, wire::kProtoIpv4);
  EXPECT_EQ(mirror.got[0].second, d);
  EXPECT_EQ(mirror.got[1].first, wire::kProtoOnion);
  ASSERT_EQ(mirror.got[1].second.size(), kCustomerControlSize);
  EXPECT_EQ(mirror.got[1].second[0], kCustomerControlDestroy);

  Bytes reply = make_udp_datagram(reversed(f), sim_payload(1, 2, 200));
  Bytes sealed = mirror.seal(reply, rng);
  net.send(ain, cc.tunnel_address, sealed);
  sealed[sealed.size() - 3] ^= 1;  // tampered copy: dropped and counted
  net.send(ain, cc.tunnel_address, sealed);
  net.run_for(Duration::s(1));
  ASSERT_EQ(cust->received.size(), 1u);
  EXPECT_EQ(cust->received[0], reply);
  EXPECT_EQ(cust->total_drops(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Carriers, SimCustomerTest,
                         ::testing::Values(core::Carrier::ip, core::Carrier::udp));

}  // namespace
}  // namespace ainet::sim
