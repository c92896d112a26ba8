#include "io/tun_device.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cstring>

#include "io/udp_socket.h"
#include "netns_child.h"

namespace ainet::io {
namespace {

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1;
}

// Test-only setup: 10.9.0.1/24 on the interface (the daemon leaves address
// configuration to the operator's scripts).
bool set_ipv4(const std::string& ifname, const char* addr, const char* mask) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sin->sin_addr);
  bool ok = ioctl(s, SIOCSIFADDR, &ifr) == 0;
  inet_pton(AF_INET, mask, &sin->sin_addr);
  ok = ok && ioctl(s, SIOCSIFNETMASK, &ifr) == 0;
  ::close(s);
  return ok;
}

int query(const std::string& ifname, unsigned long req, ifreq& ifr) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(s, req, &ifr);
  ::close(s);
  return rc;
}

uint16_t ipv4_header_checksum(const uint8_t* h) {  // RFC 1071
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(TunDevice, OpensSetsMtuAndUp) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("ain%d");
    CHILD_CHECK(tun);
    CHILD_CHECK(tun->name().rfind("ain", 0) == 0 && tun->name() != "ain%d");
    CHILD_CHECK(tun->index() > 0);
    // Nothing to read yet (down, so the kernel sends nothing either):
    // non-blocking read says 0.
    uint8_t buf[64];
    auto n = tun->read(buf);
    CHILD_CHECK(n && *n == 0);
    CHILD_CHECK(tun->set_mtu(1380).ok());
    CHILD_CHECK(tun->set_up().ok());
    ifreq ifr;
    CHILD_CHECK(query(tun->name(), SIOCGIFMTU, ifr) == 0 && ifr.ifr_mtu == 1380);
    CHILD_CHECK(query(tun->name(), SIOCGIFFLAGS, ifr) == 0 && (ifr.ifr_flags & IFF_UP));
    return 0;
  });
}

TEST(TunDevice, ReadsDatagramsTheKernelRoutesIntoIt) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("aintest0");
    CHILD_CHECK(tun && tun->name() == "aintest0");
    CHILD_CHECK(set_ipv4(tun->name(), "10.9.0.1", "255.255.255.0"));
    CHILD_CHECK(tun->set_up().ok());
    auto udp = UdpSocket::bind(SocketAddress::any(AF_INET, 0));
    CHILD_CHECK(udp);
    PacketBatch out(4, 256);
    const uint8_t msg[5] = {'h', 'e', 'l', 'l', 'o'};
    CHILD_CHECK(out.push(msg, *SocketAddress::parse("10.9.0.2", 7777)));
    CHILD_CHECK(out.push(msg, *SocketAddress::parse("10.9.0.3", 7777)));
    auto sent = udp->send(out);
    CHILD_CHECK(sent && sent->done == 2);
    CHILD_CHECK(wait_readable(tun->fd()));
    PacketBatch in(8, 2048);
    size_t got = 0;
    while (got < 2 && wait_readable(tun->fd())) {
      auto r = tun->read_batch(in);
      CHILD_CHECK(r);
      // Read until EAGAIN (a batch of 8 is not filled here): drained.
      CHILD_CHECK(r->drained && in.size() < in.capacity());
      for (size_t i = 0; i < in.size(); ++i) {
        ByteSpan p = in.packet(i);
        if (p.empty() || p[0] >> 4 != 4) continue;  // the kernel's own IPv6 chatter (RS, MLD)
        // A bare IPv4 datagram (IFF_NO_PI): UDP to 10.9.0.2 or .3, our payload.
        CHILD_CHECK(p.size() == 20 + 8 + 5 && p[0] == 0x45 && p[9] == IPPROTO_UDP);
        CHILD_CHECK(p[16] == 10 && p[17] == 9 && p[18] == 0 && (p[19] == 2 || p[19] == 3));
        CHILD_CHECK(std::memcmp(p.data() + 28, msg, 5) == 0);
        ++got;
      }
    }
    CHILD_CHECK(got == 2);
    return 0;
  });
}

TEST(TunDevice, WrittenDatagramReachesALocalSocket) {
  RUN_IN_NETNS([] {
    auto tun = TunDevice::open("aintest1");
    CHILD_CHECK(tun);
    CHILD_CHECK(set_ipv4(tun->name(), "10.9.0.1", "255.255.255.0"));
    CHILD_CHECK(tun->set_up().ok());
    auto udp = UdpSocket::bind(*SocketAddress::parse("10.9.0.1", 5555));
    CHILD_CHECK(udp);
    // IPv4 10.9.0.2:6666 -> 10.9.0.1:5555, UDP checksum 0 (RFC 768: none).
    uint8_t p[20 + 8 + 3] = {};
    p[0] = 0x45;
    store_be16(p + 2, sizeof p);
    p[8] = 64;
    p[9] = IPPROTO_UDP;
    p[12] = 10, p[13] = 9, p[15] = 2;
    p[16] = 10, p[17] = 9, p[19] = 1;
    store_be16(p + 10, ipv4_header_checksum(p));
    store_be16(p + 20, 6666);
    store_be16(p + 22, 5555);
    store_be16(p + 24, 8 + 3);
    p[28] = 'a', p[29] = 'i', p[30] = 'n';
    CHILD_CHECK(tun->write(ByteSpan(p, sizeof p)).ok());
    CHILD_CHECK(wait_readable(udp->fd()));
    PacketBatch in(2, 256);
    auto r = udp->recv(in);
    CHILD_CHECK(r && r->done == 1);
    CHILD_CHECK(in.packet(0).size() == 3 && in.packet(0)[0] == 'a');
    CHILD_CHECK(in.peer(0) == *SocketAddress::parse("10.9.0.2", 6666));
    // Garbage is refused by the kernel and reported, not fatal.
    const uint8_t junk[3] = {0xff, 0, 1};
    CHILD_CHECK(!tun->write(ByteSpan(junk, 3)).ok());
    return 0;
  });
}

TEST(TunDevice, NameTooLongIsRefused) {
  auto tun = TunDevice::open("a-name-that-is-too-long");
  ASSERT_FALSE(tun);
  EXPECT_EQ(tun.error().code, ENAMETOOLONG);
}

}  // namespace
}  // namespace ainet::io
