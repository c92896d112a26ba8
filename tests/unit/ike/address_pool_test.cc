// ike::AddressPool (CP, RFC 7296 §3.15.1): round robin, and an address the
// initiator asks for is given when it is a free host address of the pool.
#include "ike/address_pool.h"

#include <gtest/gtest.h>

namespace ainet::ike {
namespace {

wire::IpAddress a4(const char* s) {
  return *wire::IpAddress::parse(s);
}

TEST(AddressPool, GivesTheRequestedAddressWhenFree) {
  AddressPool p(*wire::IpPrefix::parse("10.98.0.0/29"));  // hosts .1 .. .6
  EXPECT_EQ(*p.lease(1), a4("10.98.0.1"));
  p.release(a4("10.98.0.1"));
  // Round robin would give .2 now; asking for .1 gets .1 back.
  EXPECT_EQ(*p.lease(2, a4("10.98.0.1")), a4("10.98.0.1"));
  // Taken, outside the pool, the network or the broadcast address: another one.
  EXPECT_EQ(*p.lease(3, a4("10.98.0.1")), a4("10.98.0.2"));
  EXPECT_EQ(*p.lease(4, a4("10.99.0.1")), a4("10.98.0.3"));
  EXPECT_EQ(*p.lease(5, a4("10.98.0.0")), a4("10.98.0.4"));
  EXPECT_EQ(*p.lease(6, a4("10.98.0.7")), a4("10.98.0.5"));
  EXPECT_EQ(*p.lease(7, a4("fd00::1")), a4("10.98.0.6"));
  EXPECT_FALSE(p.lease(8, a4("10.98.0.3")).has_value());  // exhausted
  EXPECT_EQ(*p.owner_of(a4("10.98.0.1")), 2u);
}

}  // namespace
}  // namespace ainet::ike
