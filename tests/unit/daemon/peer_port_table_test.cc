// PeerPortTable: the udp carrier's learned NAT ports (RFC 3948 §3). Unknown
// peers get the default port; learning moves one peer only; the table never
// grows beyond its capacity (the configured peers).
#include "daemon/peer_port_table.h"

#include <gtest/gtest.h>

namespace ainet::daemon {
namespace {

wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }

TEST(PeerPortTable, UnknownPeersGetTheDefaultPort) {
  PeerPortTable t(4500, 4);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(t.port_of(ip("2001:db8::1")), 4500);
  EXPECT_EQ(t.size(), 0u);
}

TEST(PeerPortTable, LearnsAndUpdatesOnePeerOnly) {
  PeerPortTable t(4500, 4);
  t.learn(ip("192.0.2.1"), 40001);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 40001);
  EXPECT_EQ(t.port_of(ip("192.0.2.2")), 4500);
  EXPECT_EQ(t.changes(), 1u);
  // The NAT remapped it: the newest authenticated port wins.
  t.learn(ip("192.0.2.1"), 40007);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 40007);
  EXPECT_EQ(t.changes(), 2u);
  // Same port again is no change; back to 4500 (NAT gone) is one.
  t.learn(ip("192.0.2.1"), 40007);
  EXPECT_EQ(t.changes(), 2u);
  t.learn(ip("192.0.2.1"), 4500);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(t.changes(), 3u);
  // IPv6 and IPv4 peers are separate keys.
  t.learn(ip("2001:db8::1"), 50000);
  EXPECT_EQ(t.port_of(ip("2001:db8::1")), 50000);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(t.size(), 2u);
}

TEST(PeerPortTable, PortZeroAndZeroCapacityLearnNothing) {
  PeerPortTable t(4500, 2);
  t.learn(ip("192.0.2.1"), 0);  // ip carrier: no UDP port
  EXPECT_EQ(t.size(), 0u);
  PeerPortTable none(4500, 0);
  none.learn(ip("192.0.2.1"), 40001);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.port_of(ip("192.0.2.1")), 4500);
}

TEST(PeerPortTable, BoundedByCapacityTheOldestLearnGivesWay) {
  PeerPortTable t(4500, 2);
  t.learn(ip("192.0.2.1"), 40001);
  t.learn(ip("192.0.2.2"), 40002);
  t.learn(ip("192.0.2.1"), 40001);  // .1 refreshed: .2 is now the oldest
  t.learn(ip("192.0.2.3"), 40003);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 40001);
  EXPECT_EQ(t.port_of(ip("192.0.2.2")), 4500);
  EXPECT_EQ(t.port_of(ip("192.0.2.3")), 40003);
  // Shrinking evicts down to the new capacity.
  t.set_capacity(1);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.port_of(ip("192.0.2.3")), 40003);
}

// The table remembers the last peer it found (packet after packet names the
// same one): the short way gives the same answers, refreshes the same LRU
// clock, never outlives an eviction, and never crosses into a copy.
TEST(PeerPortTable, TheLastPeerFoundGivesTheSameAnswers) {
  PeerPortTable t(4500, 2);
  t.learn(ip("192.0.2.1"), 40001);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 40001);
  t.learn(ip("192.0.2.1"), 40009);  // found the short way: still a change
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 40009);
  EXPECT_EQ(t.changes(), 2u);
  t.learn(ip("192.0.2.2"), 40002);
  t.learn(ip("192.0.2.2"), 40002);  // refreshed the short way: .1 is the oldest
  t.learn(ip("192.0.2.3"), 40003);
  EXPECT_EQ(t.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(t.port_of(ip("192.0.2.2")), 40002);

  PeerPortTable one(4500, 1);
  one.learn(ip("192.0.2.1"), 40001);
  EXPECT_EQ(one.port_of(ip("192.0.2.1")), 40001);
  one.learn(ip("192.0.2.2"), 40002);  // evicts .1, the peer last found
  EXPECT_EQ(one.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(one.port_of(ip("192.0.2.2")), 40002);

  PeerPortTable shrink(4500, 2);
  shrink.learn(ip("192.0.2.1"), 40001);
  shrink.learn(ip("192.0.2.2"), 40002);
  EXPECT_EQ(shrink.port_of(ip("192.0.2.1")), 40001);  // .1 is the peer last found
  shrink.set_capacity(1);                             // and the oldest: evicted
  EXPECT_EQ(shrink.port_of(ip("192.0.2.1")), 4500);
  EXPECT_EQ(shrink.port_of(ip("192.0.2.2")), 40002);

  PeerPortTable copy = one;
  copy.learn(ip("192.0.2.2"), 41000);
  EXPECT_EQ(copy.port_of(ip("192.0.2.2")), 41000);
  EXPECT_EQ(one.port_of(ip("192.0.2.2")), 40002);
  PeerPortTable moved = std::move(copy);
  EXPECT_EQ(moved.port_of(ip("192.0.2.2")), 41000);
  moved.learn(ip("192.0.2.2"), 42000);
  EXPECT_EQ(moved.port_of(ip("192.0.2.2")), 42000);
}

}  // namespace
}  // namespace ainet::daemon
