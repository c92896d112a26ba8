#include "io/tun_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

namespace ainet::io {
namespace {

// Interface ioctls (SIOCSIFMTU, SIOCSIFFLAGS) go through any socket.
SysResult<UniqueFd> ioctl_socket() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return sys_error("socket(ioctl)");
  return s;
}

ifreq make_ifreq(const std::string& name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

}  // namespace

SysResult<TunDevice> TunDevice::open(std::string_view name, TunOffload offload) {
  if (name.size() >= IFNAMSIZ)
    return sys_error("tun name \"" + std::string(name) + "\"", ENAMETOOLONG);
  TunDevice t;
  t.fd_.reset(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!t.fd_) return sys_error("open /dev/net/tun");
  ifreq ifr = make_ifreq(std::string(name));
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;  // no 4-byte packet-info prefix: bare IP datagrams
  if (offload == TunOffload::kVnetHdr) ifr.ifr_flags |= IFF_VNET_HDR;
  if (ioctl(t.fd(), TUNSETIFF, &ifr) < 0) return sys_error("TUNSETIFF " + std::string(name));
  t.name_ = ifr.ifr_name;
  if (offload == TunOffload::kVnetHdr) {
    // Checksum offload and TSO for both families: the kernel then sends TCP
    // super-packets and partial checksums through the TUN (drivers/net/tun.c
    // set_offload). No UFO/USO: validate_virtio_net_hdr refuses UDP GSO.
    const unsigned long features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    if (ioctl(t.fd(), TUNSETOFFLOAD, features) < 0) return sys_error("TUNSETOFFLOAD " + t.name_);
    t.vnet_hdr_ = true;
  }
  return t;
}

int TunDevice::index() const {
  return static_cast<int>(if_nametoindex(name_.c_str()));
}

SysStatus TunDevice::set_mtu(int mtu) {
  auto s = ioctl_socket();
  if (!s) return s.error();
  ifreq ifr = make_ifreq(name_);
  ifr.ifr_mtu = mtu;
  if (ioctl(s->get(), SIOCSIFMTU, &ifr) < 0) return sys_error("SIOCSIFMTU " + name_);
  return {};
}

SysStatus TunDevice::set_up(bool up) {
  auto s = ioctl_socket();
  if (!s) return s.error();
  ifreq ifr = make_ifreq(name_);
  if (ioctl(s->get(), SIOCGIFFLAGS, &ifr) < 0) return sys_error("SIOCGIFFLAGS " + name_);
  if (up)
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  else
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
  if (ioctl(s->get(), SIOCSIFFLAGS, &ifr) < 0) return sys_error("SIOCSIFFLAGS " + name_);
  return {};
}

SysResult<size_t> TunDevice::read(MutByteSpan buf) {
  for (;;) {
    ssize_t n = ::read(fd(), buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    return sys_error("read tun");  // short literal: no allocation on the packet path
  }
}

SysResult<BatchCounts> TunDevice::read_batch(PacketBatch& batch) {
  batch.clear();
  BatchCounts c;
  while (!batch.full()) {
    auto n = read(batch.next_buffer());
    if (!n) return n.error();
    if (*n == 0) {
      c.drained = true;
      break;
    }
    batch.commit(*n, SocketAddress{});
    ++c.done;
  }
  return c;
}

SysStatus TunDevice::write(ByteSpan datagram) {
  for (;;) {
    ssize_t n = ::write(fd(), datagram.data(), datagram.size());
    if (n >= 0) return {};
    if (errno == EINTR) continue;
    return sys_error("write tun");
  }
}

SysStatus TunDevice::write(ByteSpan head, ByteSpan datagram) {
  iovec iov[2] = {{const_cast<uint8_t*>(head.data()), head.size()},
                  {const_cast<uint8_t*>(datagram.data()), datagram.size()}};
  for (;;) {
    ssize_t n = ::writev(fd(), iov, datagram.empty() ? 1 : 2);
    if (n >= 0) return {};
    if (errno == EINTR) continue;
    return sys_error("write tun");
  }
}

SysResult<BatchCounts> TunDevice::write_batch(const PacketBatch& batch) {
  BatchCounts c;
  for (size_t i = 0; i < batch.size(); ++i) {
    SysStatus st = write(batch.packet(i));
    if (st.ok()) {
      ++c.done;
    } else if (st.err.code == EBADF) {
      return st.err;
    } else {
      ++c.dropped;
    }
  }
  return c;
}

}  // namespace ainet::io
