#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/address_rewrite.h"
#include "core/exit_pool.h"
#include "crypto/rng.h"
#include "engine_test_net.h"
#include "wire/checksum.h"

namespace ainet::core {
namespace {

using wire::IpAddress;
using wire::IpPrefix;

IpAddress addr(const char* s) { return IpAddress::parse(s).value(); }

TEST(ExitPool, HandsOutDistinctUsableAddressesUntilFull) {
  ExitPool pool({IpPrefix::parse("10.9.0.0/29").value()});
  crypto::DeterministicRng rng(1);
  std::set<IpAddress> got;
  for (int i = 0; i < 6; ++i) {  // /29: 8 addresses minus network and broadcast
    auto a = pool.acquire(wire::IpFamily::v4, rng);
    ASSERT_TRUE(a.ok()) << i;
    EXPECT_NE(*a, addr("10.9.0.0"));
    EXPECT_NE(*a, addr("10.9.0.7"));
    EXPECT_TRUE(IpPrefix::parse("10.9.0.0/29")->contains(*a));
    EXPECT_TRUE(got.insert(*a).second);
  }
  EXPECT_EQ(pool.acquire(wire::IpFamily::v4, rng).error(), Errc::limit);
  EXPECT_EQ(pool.acquire(wire::IpFamily::v6, rng).error(), Errc::not_found);
  pool.release(*got.begin());
  EXPECT_EQ(pool.size(), 5u);
  EXPECT_TRUE(pool.acquire(wire::IpFamily::v4, rng).ok());
}

// An IPv4/UDP packet with correct checksums (engine_test_net.h).
Bytes udp4(const IpAddress& src, const IpAddress& dst) {
  const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
  return testnet::udp_datagram(src, dst, hello);
}

bool udp4_checksums_ok(ByteSpan p) {
  if (wire::internet_checksum(p.first(20)) != 0) return false;
  wire::InternetChecksum c;
  c.add(p.subspan(12, 8));
  c.add_u16(17);
  c.add_u16(static_cast<uint16_t>(p.size() - 20));
  c.add(p.subspan(20));
  return c.finish() == 0;
}

TEST(AddressRewrite, Ipv4UdpSourceAndBackKeepsChecksumsValid) {
  Bytes p = udp4(addr("192.168.7.9"), addr("198.51.100.1"));
  ASSERT_TRUE(udp4_checksums_ok(p));
  ASSERT_EQ(rewrite_address(p, AddressField::source, addr("10.9.0.3")), Errc::ok);
  EXPECT_EQ(IpAddress::from_bytes(ByteSpan(p).subspan(12, 4)).value(), addr("10.9.0.3"));
  EXPECT_TRUE(udp4_checksums_ok(p));
  ASSERT_EQ(rewrite_address(p, AddressField::destination, addr("203.0.113.4")), Errc::ok);
  EXPECT_TRUE(udp4_checksums_ok(p));
  EXPECT_EQ(rewrite_address(p, AddressField::source, addr("2001:db8::1")), Errc::invalid_argument);
}

TEST(AddressRewrite, Ipv6Icmpv6ChecksumFollowsTheAddress) {
  Bytes p(40 + 8, 0);
  p[0] = 0x60;
  store_be16(&p[4], 8);
  p[6] = 58;
  p[7] = 64;
  auto s = addr("fd00::5"), d = addr("2001:db8::9");
  std::copy(s.bytes().begin(), s.bytes().end(), p.begin() + 8);
  std::copy(d.bytes().begin(), d.bytes().end(), p.begin() + 24);
  p[40] = 128;  // echo request
  store_be16(&p[44], 0x0102);
  auto sum = [&](ByteSpan pk) {
    wire::InternetChecksum c;
    c.add(pk.subspan(8, 32));
    c.add_u32(8);
    c.add_u32(58);
    c.add(pk.subspan(40));
    return c.finish();
  };
  store_be16(&p[42], sum(p));
  ASSERT_EQ(sum(p), 0);
  ASSERT_EQ(rewrite_address(p, AddressField::source, addr("fd99::77")), Errc::ok);
  EXPECT_EQ(sum(p), 0);
  EXPECT_EQ(IpAddress::from_bytes(ByteSpan(p).subspan(8, 16)).value(), addr("fd99::77"));
}

TEST(AddressRewrite, TruncatedInputIsRefusedNotRead) {
  Bytes p = udp4(addr("192.168.7.9"), addr("198.51.100.1"));
  p.resize(24);
  store_be16(&p[2], 24);
  store_be16(&p[10], 0);
  store_be16(&p[10], wire::internet_checksum(ByteSpan(p).first(20)));
  EXPECT_EQ(rewrite_address(p, AddressField::source, addr("10.0.0.1")), Errc::truncated);
  Bytes empty;
  EXPECT_NE(rewrite_address(empty, AddressField::source, addr("10.0.0.1")), Errc::ok);
}

}  // namespace
}  // namespace ainet::core
