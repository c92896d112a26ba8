// IKE_SA_INIT + IKE_AUTH between two engines on the in-memory network:
// PSK and Ed25519, the first child SA (keys checked with real ESP), CP
// address assignment, NAT detection and the float to 4500.
#include <gtest/gtest.h>

#include "crypto/kex.h"
#include "sim/ike_sim.h"

namespace ainet::ike {
namespace {

using sim::IkeNode;
using sim::IkeSimNet;
using wire::IpAddress;

const IpAddress kA = IpAddress::v4(0xc0000201);  // 192.0.2.1
const IpAddress kB = IpAddress::v4(0xc0000202);  // 192.0.2.2

struct Pair {
  IkeSimNet net{1};
  IkeNode* a = nullptr;
  IkeNode* b = nullptr;
  Pair(IkeConfig ca, IkeConfig cb, uint64_t seed = 1) : net(seed) {
    a = &net.add_node("a", kA, std::move(ca));
    b = &net.add_node("b", kB, std::move(cb));
  }
};

IkeConfig with_peer(PeerConfig p) {
  IkeConfig c = sim::sim_config();
  c.peers.push_back(std::move(p));
  return c;
}

TEST(IkeAuthExchange, PskEstablishesIkeAndFirstChild) {
  Pair p(with_peer(sim::psk_peer("to-b", kA, kB, "a.example", "b.example")),
         with_peer(sim::psk_peer("to-a", kB, kA, "b.example", "a.example")));
  auto h = p.a->engine().initiate(p.net.now(), "to-b", *p.a);
  ASSERT_TRUE(h.ok());
  p.net.run_for(Duration::s(2));
  ASSERT_EQ(p.a->ike_ups.size(), 1u);
  ASSERT_EQ(p.b->ike_ups.size(), 1u);
  EXPECT_TRUE(p.a->ike_ups[0].initiator);
  EXPECT_EQ(p.b->ike_ups[0].peer, "to-a");
  ASSERT_EQ(p.a->child_ups.size(), 1u);
  ASSERT_EQ(p.b->child_ups.size(), 1u);
  EXPECT_TRUE(sim::child_pair_works(p.a->child_ups[0], p.b->child_ups[0]));
  EXPECT_FALSE(p.a->child_ups[0].udp_encap);  // no NAT
  EXPECT_EQ(p.a->child_ups[0].inbound.transform, sa::Transform::esp_aes256_gcm);
  EXPECT_FALSE(p.a->child_ups[0].inbound.esn);  // no-ESN preferred by default
  auto info = p.a->engine().ike_sa(*h);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state, IkeState::established);
  EXPECT_EQ(info->key_bits, 256);
  EXPECT_EQ(info->next_request_id, 2u);  // INIT 0, AUTH 1
  EXPECT_EQ(p.a->engine().counters().total_drops(), 0u);
  EXPECT_EQ(p.b->engine().counters().total_drops(), 0u);
  EXPECT_EQ(p.b->engine().state_counts().half_open, 0u);
}

TEST(IkeAuthExchange, Ed25519BothWays) {
  crypto::DeterministicRng r(5);
  const auto ka = crypto::ed25519_generate(r), kb = crypto::ed25519_generate(r);
  PeerConfig pa = sim::psk_peer("to-b", kA, kB, "a.example", "b.example");
  pa.local_auth = {AuthKind::ed25519, {}, ka.priv};
  pa.remote_auth = {AuthKind::ed25519, {}, kb.pub};
  PeerConfig pb = sim::psk_peer("to-a", kB, kA, "b.example", "a.example");
  pb.local_auth = {AuthKind::ed25519, {}, kb.priv};
  pb.remote_auth = {AuthKind::ed25519, {}, ka.pub};
  Pair p(with_peer(pa), with_peer(pb));
  ASSERT_TRUE(p.a->engine().initiate(p.net.now(), "to-b", *p.a).ok());
  p.net.run_for(Duration::s(2));
  ASSERT_EQ(p.a->child_ups.size(), 1u);
  ASSERT_EQ(p.b->child_ups.size(), 1u);
  EXPECT_TRUE(sim::child_pair_works(p.a->child_ups[0], p.b->child_ups[0]));
}

TEST(IkeAuthExchange, CpAssignsInnerAddressAndNarrowsTsi) {
  PeerConfig pa = sim::psk_peer("to-b", kA, kB, "a.example", "b.example");
  pa.request_address = true;
  PeerConfig pb = sim::psk_peer("to-a", kB, kA, "b.example", "a.example");
  pb.assign_address = true;
  pb.dns = {IpAddress::v4(0x0a090001)};
  IkeConfig cb = with_peer(pb);
  cb.pool_v4 = *wire::IpPrefix::parse("10.9.0.0/24");
  Pair p(with_peer(pa), cb);
  ASSERT_TRUE(p.a->engine().initiate(p.net.now(), "to-b", *p.a).ok());
  p.net.run_for(Duration::s(2));
  ASSERT_EQ(p.a->child_ups.size(), 1u);
  ASSERT_TRUE(p.a->child_ups[0].virtual_ip4.has_value());
  EXPECT_EQ(p.a->child_ups[0].virtual_ip4->to_string(), "10.9.0.1");
  EXPECT_EQ(p.b->child_ups[0].virtual_ip4, p.a->child_ups[0].virtual_ip4);
  // The initiator's side of the tunnel is exactly its assigned address.
  ASSERT_EQ(p.b->child_ups[0].ts_remote.size(), 1u);
  EXPECT_EQ(p.b->child_ups[0].ts_remote[0], TrafficSelector::host(*p.a->child_ups[0].virtual_ip4));
  EXPECT_EQ(p.a->child_ups[0].ts_local, p.b->child_ups[0].ts_remote);
  EXPECT_EQ(p.b->engine().state_counts().leases, 1u);
  // Later children keep the assigned address on the initiator's side,
  // whichever end creates them.
  ASSERT_EQ(p.a->engine().create_child(p.net.now(), p.a->ike_ups[0].handle, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  ASSERT_EQ(p.b->engine().create_child(p.net.now(), p.b->ike_ups[0].handle, *p.b), Errc::ok);
  p.net.run_for(Duration::s(1));
  ASSERT_EQ(p.a->child_ups.size(), 3u);
  ASSERT_EQ(p.b->child_ups.size(), 3u);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(p.a->child_ups[i].ts_local, p.a->child_ups[0].ts_local) << i;
    EXPECT_EQ(p.b->child_ups[i].ts_remote, p.b->child_ups[0].ts_remote) << i;
  }
}

TEST(IkeAuthExchange, NatDetectedFloatsTo4500AndEncapsulates) {
  const IpAddress inside = IpAddress::v4(0x0a000001);
  const IpAddress pub = IpAddress::v4(0xc6336401);
  PeerConfig pa = sim::psk_peer("to-b", inside, kB, "a.example", "b.example");
  IkeSimNet net(3);
  IkeNode& a = net.add_node("a", inside, with_peer(pa));
  IkeNode& b =
      net.add_node("b", kB, with_peer(sim::psk_peer("to-a", kB, pub, "b.example", "a.example")));
  net.add_nat(inside, pub);
  ASSERT_TRUE(a.engine().initiate(net.now(), "to-b", a).ok());
  net.run_for(Duration::s(2));
  ASSERT_EQ(a.child_ups.size(), 1u);
  ASSERT_EQ(b.child_ups.size(), 1u);
  EXPECT_TRUE(a.child_ups[0].udp_encap);
  EXPECT_TRUE(b.child_ups[0].udp_encap);
  EXPECT_EQ(a.child_ups[0].local.port, 4500);
  EXPECT_EQ(a.child_ups[0].remote.port, 4500);
  EXPECT_EQ(b.child_ups[0].local.port, 4500);
  EXPECT_EQ(b.child_ups[0].remote.addr, pub);  // the NAT's public side
  EXPECT_EQ(a.child_ups[0].inbound.framing, sa::Framing::udp);
  auto ia = a.engine().list_ike_sas();
  ASSERT_EQ(ia.size(), 1u);
  EXPECT_TRUE(ia[0].nat_local);
  EXPECT_FALSE(ia[0].nat_remote);
  auto ib = b.engine().list_ike_sas();
  EXPECT_TRUE(ib[0].nat_remote);
  // IKE_AUTH and later traffic carry the non-ESP marker on 4500.
  bool saw_marker = false;
  for (const auto& d : net.wire_log)
    if (d.to.port == 4500 && d.data.size() > 4 && load_be32(d.data.data()) == 0) saw_marker = true;
  EXPECT_TRUE(saw_marker);
  // The side behind the NAT sends keepalives (RFC 3948 §4).
  net.run_for(Duration::s(45));
  EXPECT_GE(a.engine().counters().nat_keepalives, 2u);
  EXPECT_EQ(b.engine().counters().nat_keepalives, 0u);
  EXPECT_EQ(b.engine().counters().drop(DropReason::not_ike), a.engine().counters().nat_keepalives);
}

TEST(IkeAuthExchange, Ipv6OuterAndInnerAddresses) {
  const IpAddress a6 = *IpAddress::parse("2001:db8::1"), b6 = *IpAddress::parse("2001:db8::2");
  PeerConfig pa = sim::psk_peer("to-b", a6, b6, "a.example", "b.example");
  pa.request_address = true;
  pa.local_ts = {TrafficSelector::any_v4(), TrafficSelector::any_v6()};
  pa.remote_ts = {TrafficSelector::any_v6()};
  PeerConfig pb = sim::psk_peer("to-a", b6, a6, "b.example", "a.example");
  pb.assign_address = true;
  pb.local_ts = {TrafficSelector::any_v6()};
  pb.dns = {*IpAddress::parse("fd00:9::53")};
  IkeConfig cb = with_peer(pb);
  cb.pool_v6 = *wire::IpPrefix::parse("fd00:9::/112");
  IkeSimNet net(4);
  IkeNode& a = net.add_node("a", a6, with_peer(pa));
  IkeNode& b = net.add_node("b", b6, cb);
  ASSERT_TRUE(a.engine().initiate(net.now(), "to-b", a).ok());
  net.run_for(Duration::s(2));
  ASSERT_EQ(a.child_ups.size(), 1u);
  ASSERT_EQ(b.child_ups.size(), 1u);
  EXPECT_TRUE(sim::child_pair_works(a.child_ups[0], b.child_ups[0]));
  ASSERT_TRUE(a.child_ups[0].virtual_ip6.has_value());
  EXPECT_EQ(a.child_ups[0].virtual_ip6->to_string(), "fd00:9::1");
  EXPECT_FALSE(a.child_ups[0].virtual_ip4.has_value());  // no IPv4 pool at b
  EXPECT_EQ(b.child_ups[0].ts_remote,
            std::vector<TrafficSelector>{TrafficSelector::host(*a.child_ups[0].virtual_ip6)});
  EXPECT_TRUE(a.child_ups[0].inbound.remote.is_v6());
}

TEST(IkeAuthExchange, ForcedEncapWithoutNat) {
  IkeConfig ca = with_peer(sim::psk_peer("to-b", kA, kB, "a.example", "b.example"));
  ca.force_encap = true;
  Pair p(ca, with_peer(sim::psk_peer("to-a", kB, kA, "b.example", "a.example")));
  ASSERT_TRUE(p.a->engine().initiate(p.net.now(), "to-b", *p.a).ok());
  p.net.run_for(Duration::s(2));
  ASSERT_EQ(p.b->child_ups.size(), 1u);
  EXPECT_TRUE(p.b->child_ups[0].udp_encap);
  EXPECT_EQ(p.b->child_ups[0].local.port, 4500);
}

}  // namespace
}  // namespace ainet::ike
