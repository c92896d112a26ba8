#include "wire/ip_address.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace ainet::wire {
namespace {

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  auto a = IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->v4_host_order(), 0xc0000201u);
  EXPECT_EQ(a->size(), 4u);
  EXPECT_EQ(a->to_string(), "192.0.2.1");

  auto b = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->is_v6());
  ASSERT_EQ(b->bytes().size(), 16u);
  EXPECT_EQ(b->bytes()[0], 0x20);
  EXPECT_EQ(b->bytes()[1], 0x01);
  EXPECT_EQ(b->bytes()[15], 0x01);
  EXPECT_EQ(b->to_string(), "2001:db8::1");
}

TEST(IpAddress, RejectsGarbage) {
  for (const char* s : {"", "1.2.3", "256.1.1.1", "1.2.3.4/8", "::g", "[::1]", "2001:db8::1%eth0",
                        "1.2.3.4 "}) {
    EXPECT_EQ(IpAddress::parse(s).error(), Errc::malformed) << s;
  }
  const uint8_t five[5] = {};
  EXPECT_EQ(IpAddress::from_bytes(five).error(), Errc::malformed);
}

TEST(IpAddress, OrderingEqualityAndHash) {
  const IpAddress v4a = IpAddress::v4(0x0a000001);
  const IpAddress v4b = IpAddress::v4(0x0a000002);
  const IpAddress v6 = IpAddress::parse("::a00:1").value();  // same low bytes, other family
  EXPECT_LT(v4a, v4b);
  EXPECT_LT(v4b, v6);  // v4 orders before v6
  EXPECT_NE(v4a, v6);
  EXPECT_EQ(v4a, IpAddress::parse("10.0.0.1").value());
  std::unordered_set<IpAddress> set{v4a, v4b, v6, IpAddress::parse("10.0.0.1").value()};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(IpAddress().is_unspecified());
  EXPECT_FALSE(v4a.is_unspecified());
}

TEST(IpAddress, RoutableUnicastExcludesLinkScopedAndSpecialAddresses) {
  for (const char* a : {"10.99.0.5", "192.0.2.1", "100.64.3.7", "223.255.255.254", "1.0.0.0", "2001:db8::1",
                        "fd00:99::1", "fec0::1", "::ffff:1.2.3.4", "::2"})
    EXPECT_TRUE(IpAddress::parse(a)->is_routable_unicast()) << a;
  for (const char* a : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "169.254.1.1", "224.0.0.251", "239.1.1.1",
                        "240.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "febf::1", "ff02::2", "ff0e::1"})
    EXPECT_FALSE(IpAddress::parse(a)->is_routable_unicast()) << a;
}

TEST(IpPrefix, ContainsAndClearsHostBits) {
  auto p = IpPrefix::parse("10.1.2.3/8");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(p->contains(IpAddress::parse("10.255.0.1").value()));
  EXPECT_FALSE(p->contains(IpAddress::parse("11.0.0.1").value()));
  EXPECT_FALSE(p->contains(IpAddress::parse("::a01:203").value()));  // other family

  auto q = IpPrefix::parse("2001:db8:abcd::/47");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->to_string(), "2001:db8:abcc::/47");
  EXPECT_TRUE(q->contains(IpAddress::parse("2001:db8:abcd:ffff::1").value()));
  EXPECT_FALSE(q->contains(IpAddress::parse("2001:db8:abce::1").value()));

  auto host = IpPrefix::parse("192.0.2.7");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->length(), 32);
  EXPECT_TRUE(host->contains(IpAddress::parse("192.0.2.7").value()));
  EXPECT_FALSE(host->contains(IpAddress::parse("192.0.2.6").value()));

  auto all = IpPrefix::parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->contains(IpAddress::parse("203.0.113.9").value()));
}

TEST(IpPrefix, RejectsBadLengths) {
  for (const char* s : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1",
                        "10.0.0.0/8/8", "/8", "10.0.0.0/1000"}) {
    EXPECT_FALSE(IpPrefix::parse(s).ok()) << s;
  }
  EXPECT_EQ(IpPrefix::make(IpAddress::v4(1), 33).error(), Errc::malformed);
}

}  // namespace
}  // namespace ainet::wire
