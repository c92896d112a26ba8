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

}  // namespace
}  // namespace ainet::daemon
