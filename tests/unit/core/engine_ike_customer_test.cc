// IKE-keyed customer tunnels in the core (core/customer_sa.cc): a customer
// configured with `ike` has no SA until customer_sa_up, then its ESP-in-UDP
// datagrams enter an ANT like a manual customer's and replies come back on
// the newest SA; a rekey keeps the replaced inbound SA until customer_sa_down
// names it; a deleted SA stops the traffic and frees its SPI.
#include <gtest/gtest.h>

#include "engine_test_net.h"

namespace ainet::core {
namespace {

using namespace testnet;

constexpr uint32_t kIkeId = 12;
const char* kHost = "10.0.1.112";

sa::SaConfig esp_udp(uint32_t spi, ByteSpan key) {
  sa::SaConfig c;
  c.spi = spi;
  c.transform = sa::Transform::esp_aes256_gcm;
  c.keymat.assign(key);
  c.framing = sa::Framing::udp;
  return c;
}

// One child SA pair as IKE would hand it out: the AIN's view (out, in) and
// the client's (its out = the AIN's in).
struct Child {
  sa::SaConfig ain_out, ain_in, host_out, host_in;
};
Child child(Net& net, uint32_t spi_to_host, uint32_t spi_to_ain) {
  const Bytes k1 = fill(net.rng(), 36), k2 = fill(net.rng(), 36);
  return {esp_udp(spi_to_host, k1), esp_udp(spi_to_ain, k2), esp_udp(spi_to_ain, k2),
          esp_udp(spi_to_host, k1)};
}

Net::Topology with_ike_customer() {
  Net::Topology t = Net::line(3);
  t.tweak = [](std::vector<EngineConfig>& cfgs) {
    CustomerConfig c;
    c.id = kIkeId;
    c.name = "ike-client";
    c.ike = true;
    cfgs[0].customers.push_back(c);
  };
  return t;
}

// Adds the IKE client as a host of the test net, keyed with `c`.
CustomerHost& add_host(Net& net, const Child& c) {
  auto h = std::make_unique<CustomerHost>();
  h->address = addr(kHost);
  h->bundle = TunnelBundle::create_esp(c.host_out, c.host_in).value();
  net.hosts.push_back(std::move(h));
  return *net.hosts.back();
}

// The IKE client sends one datagram; true if the exit delivered it.
bool client_forward(Net& net, size_t host) {
  const size_t before = net.fx_of(3).local.size();
  net.customer_send(udp_datagram(addr("10.98.0.7"), addr("198.51.100.7"), Bytes(20, 7)), 4, host);
  net.run();
  return net.fx_of(3).local.size() == before + 1;
}

// The exit answers the last delivered datagram; true if the client got it.
bool reply_reaches_client(Net& net, CustomerHost& h) {
  auto info = wire::parse_ip_packet(net.fx_of(3).local.back());
  if (!info.ok()) return false;
  const size_t got = h.received.size();
  net.ain(3).handle_local(net.now, udp_datagram(info->dst, info->src, Bytes(9, 3)), net.fx_of(3));
  net.run();
  return h.received.size() == got + 1;
}

TEST(EngineIkeCustomer, NoTrafficBeforeTheChildSaThenThroughAnAnt) {
  Net net(with_ike_customer(), Carrier::udp);
  const Child c = child(net, 0xc0000001, 0xa0000001);
  const size_t h = net.hosts.size();
  CustomerHost& host = add_host(net, c);
  // Not keyed yet: the SPI is unknown, nothing is built.
  EXPECT_FALSE(client_forward(net, h));
  EXPECT_EQ(drops(net.ain(1), Errc::unknown_spi), 1u);
  EXPECT_TRUE(net.ain(1).ants().empty());

  ASSERT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), c.ain_out, c.ain_in), Errc::ok);
  EXPECT_TRUE(client_forward(net, h));
  EXPECT_TRUE(reply_reaches_client(net, host));
  const auto custs = net.ain(1).customers();
  auto it = std::find_if(custs.begin(), custs.end(),
                         [](const CustomerInfo& i) { return i.id == kIkeId; });
  ASSERT_NE(it, custs.end());
  EXPECT_EQ(it->packets_in, 1u);
  EXPECT_EQ(it->packets_out, 1u);
  EXPECT_EQ(it->tunnel_address, addr(kHost));
}

TEST(EngineIkeCustomer, RekeyKeepsTheOldInboundSaUntilItsDeletion) {
  Net net(with_ike_customer(), Carrier::udp);
  const Child c1 = child(net, 0xc0000001, 0xa0000001), c2 = child(net, 0xc0000002, 0xa0000002);
  const size_t h1 = net.hosts.size();
  add_host(net, c1);
  const size_t h2 = net.hosts.size();
  CustomerHost& new_host = add_host(net, c2);  // the same client, after the rekey
  ASSERT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), c1.ain_out, c1.ain_in), Errc::ok);
  ASSERT_TRUE(client_forward(net, h1));
  ASSERT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), c2.ain_out, c2.ain_in), Errc::ok);
  // Both inbound SAs are accepted; replies go out on the new one only.
  EXPECT_TRUE(client_forward(net, h1));
  EXPECT_TRUE(client_forward(net, h2));
  const size_t old_got = net.hosts[h1]->received.size();
  EXPECT_TRUE(reply_reaches_client(net, new_host));
  EXPECT_EQ(net.hosts[h1]->received.size(), old_got);
  // The old one is deleted: its packets now name an unknown SPI.
  ASSERT_EQ(net.ain(1).customer_sa_down(kIkeId, 0xa0000001), Errc::ok);
  const uint64_t unknown = drops(net.ain(1), Errc::unknown_spi);
  EXPECT_FALSE(client_forward(net, h1));
  EXPECT_EQ(drops(net.ain(1), Errc::unknown_spi), unknown + 1);
  EXPECT_TRUE(client_forward(net, h2));
  EXPECT_EQ(net.ain(1).customer_sa_down(kIkeId, 0xa0000001), Errc::not_found);
  // The current one deleted too: no SA left, nothing reaches the client.
  ASSERT_EQ(net.ain(1).customer_sa_down(kIkeId, 0xa0000002), Errc::ok);
  EXPECT_FALSE(client_forward(net, h2));
  const size_t got = new_host.received.size();
  EXPECT_FALSE(reply_reaches_client(net, new_host));
  EXPECT_EQ(new_host.received.size(), got);
}

TEST(EngineIkeCustomer, OnlyTheCpAddressMayBeTheInnerSource) {
  Net net(with_ike_customer(), Carrier::udp);
  const Child c = child(net, 0xc0000001, 0xa0000001);
  const size_t h = net.hosts.size();
  add_host(net, c);
  ASSERT_EQ(
      net.ain(1).customer_sa_up(kIkeId, addr(kHost), c.ain_out, c.ain_in, {addr("10.98.0.7")}),
      Errc::ok);
  EXPECT_TRUE(client_forward(net, h));  // from 10.98.0.7
  const uint64_t mismatch = net.ain(1).stats().source_mismatch;
  const size_t before = net.fx_of(3).local.size();
  net.customer_send(udp_datagram(addr("10.98.0.8"), addr("198.51.100.7"), Bytes(20, 7)), 4, h);
  net.run();
  EXPECT_EQ(net.fx_of(3).local.size(), before);
  EXPECT_EQ(net.ain(1).stats().source_mismatch, mismatch + 1);
  EXPECT_EQ(net.ain(1).ants().size(), 1u);  // no ANT for the spoofed source
}

TEST(EngineIkeCustomer, RefusesWhatIsNotAnIkeCustomerOrATakenSpi) {
  Net net(with_ike_customer(), Carrier::udp);
  const Child c = child(net, 0xc0000001, 0xa0000001);
  // Customer 100 is manually keyed; 99 does not exist.
  EXPECT_EQ(net.ain(1).customer_sa_up(100, addr(kHost), c.ain_out, c.ain_in), Errc::not_found);
  EXPECT_EQ(net.ain(1).customer_sa_up(99, addr(kHost), c.ain_out, c.ain_in), Errc::not_found);
  // Customer 100's inbound ESP SPI (0x2002 in engine_test_net.h) is taken.
  const Child taken = child(net, 0xc0000003, 0x2002);
  EXPECT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), taken.ain_out, taken.ain_in),
            Errc::exists);
  // ESP not in UDP cannot arrive on the udp carrier.
  Child bare = c;
  bare.ain_in.framing = sa::Framing::ip;
  EXPECT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), bare.ain_out, bare.ain_in),
            Errc::invalid_argument);
  EXPECT_EQ(net.ain(1).customer_sa_up(kIkeId, addr("fd00::1"), c.ain_out, c.ain_in),
            Errc::invalid_argument);
}

// The ip carrier (docs/ike.md): the IKE customer's ESP in UDP arrives by
// handle_encap_packet (aind's IKE node owns port 4500 there), enters an ANT,
// and replies go out by send_encap_packet. Only IKE customers' SPIs are
// reachable that way: a manually keyed customer's AH-protected bundle is not.
TEST(EngineIkeCustomer, IpCarrierTakesEspInUdpFromTheIkePort) {
  Net net(with_ike_customer(), Carrier::ip);
  const Child c = child(net, 0xc0000001, 0xa0000001);
  CustomerHost& h = add_host(net, c);
  ASSERT_EQ(net.ain(1).customer_sa_up(kIkeId, addr(kHost), c.ain_out, c.ain_in), Errc::ok);
  Bytes out(4096);
  const Bytes inner = udp_datagram(addr("10.98.0.7"), addr("198.51.100.7"), Bytes(20, 7));
  auto sealed = h.bundle.seal(inner, 4, out, net.rng());
  ASSERT_TRUE(sealed.ok());
  const Bytes esp(sealed->begin(), sealed->end());
  // Not through the raw (AH) path: the ip carrier's handle_packet refuses it.
  const size_t before = net.fx_of(3).local.size();
  net.ain(1).handle_packet(net.now, esp, net.fx_of(1));
  net.run();
  EXPECT_EQ(net.fx_of(3).local.size(), before);
  // From the IKE node's port 4500 it goes through a 3-hop ANT.
  net.ain(1).handle_encap_packet(net.now, addr(kHost), esp, net.fx_of(1));
  net.run();
  ASSERT_EQ(net.fx_of(3).local.size(), before + 1);
  EXPECT_TRUE(reply_reaches_client(net, h));
  // Replayed: dropped by the SA. From another address: source mismatch.
  const uint64_t mismatch = net.ain(1).stats().source_mismatch;
  net.ain(1).handle_encap_packet(net.now, addr("10.0.1.99"), esp, net.fx_of(1));
  EXPECT_EQ(net.ain(1).stats().source_mismatch, mismatch + 1);
  // Customer 100's (manual, ip carrier) inbound SPIs (ESP 0x2002, AH 0x2003,
  // engine_test_net.h) are not reachable in UDP.
  for (uint32_t spi : {0x2002u, 0x2003u}) {
    Bytes fake(40, 0);
    store_be32(fake.data(), spi);
    const uint64_t unknown = drops(net.ain(1), Errc::unknown_spi);
    net.ain(1).handle_encap_packet(net.now, addr(kHost), fake, net.fx_of(1));
    EXPECT_EQ(drops(net.ain(1), Errc::unknown_spi), unknown + 1) << spi;
  }
}

}  // namespace
}  // namespace ainet::core
