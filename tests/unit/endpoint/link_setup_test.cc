// The iproute2 commands ain-endpoint runs: option 1 puts the inner addresses
// on the TUN, option 2 does not (the host's real address is the inner one).
#include <gtest/gtest.h>

#include <algorithm>

#include "endpoint/link_setup.h"

namespace ainet::endpoint {
namespace {

using Cmds = std::vector<std::vector<std::string>>;

EndpointConfig config(int option) {
  EndpointConfig c;
  c.anonymity_option = option;
  c.tun_mtu = 1365;
  c.inner_addresses = {*wire::IpAddress::parse("10.99.1.2"), *wire::IpAddress::parse("fd00:99::5")};
  c.routes = {*wire::IpPrefix::parse("10.200.4.0/24"), *wire::IpPrefix::parse("fd00:200:0:4::/64")};
  return c;
}

TEST(LinkSetup, Option1AddsInnerAddressesAndRoutes) {
  const Cmds want = {
      {"link", "set", "dev", "ainc0", "addrgenmode", "none"},
      {"link", "set", "dev", "ainc0", "mtu", "1365", "up"},
      {"addr", "replace", "10.99.1.2/32", "dev", "ainc0"},
      {"-6", "addr", "replace", "fd00:99::5/128", "dev", "ainc0", "nodad"},
      {"route", "replace", "10.200.4.0/24", "dev", "ainc0", "src", "10.99.1.2"},
      {"-6", "route", "replace", "fd00:200:0:4::/64", "dev", "ainc0", "src", "fd00:99::5"},
  };
  EXPECT_EQ(link_setup_commands(config(1), "ainc0"), want);
}

TEST(LinkSetup, Option2LeavesTheRealAddressAlone) {
  const Cmds got = link_setup_commands(config(2), "tun7");
  ASSERT_EQ(got.size(), 4u);
  for (const auto& cmd : got) EXPECT_EQ(std::find(cmd.begin(), cmd.end(), std::string("addr")), cmd.end());
  EXPECT_EQ(got[2], (std::vector<std::string>{"route", "replace", "10.200.4.0/24", "dev", "tun7", "src", "10.99.1.2"}));
}

TEST(LinkSetup, RouteWithoutAnInnerAddressOfItsFamilyHasNoSource) {
  auto c = config(1);
  c.inner_addresses.resize(1);  // IPv4 only
  const Cmds got = link_setup_commands(c, "ainc0");
  EXPECT_EQ(got.back(), (std::vector<std::string>{"-6", "route", "replace", "fd00:200:0:4::/64", "dev", "ainc0"}));
}

TEST(LinkSetup, RunIpReportsFailure) {
  std::string err;
  // An `ip` subcommand that does not exist fails wherever iproute2 is (or is not).
  EXPECT_FALSE(run_ip({"no-such-object-xyz"}, err));
  EXPECT_NE(err.find("ip no-such-object-xyz: "), std::string::npos) << err;
}

}  // namespace
}  // namespace ainet::endpoint
