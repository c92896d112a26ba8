// TunDevice: a Linux TUN interface (IFF_TUN | IFF_NO_PI): every read is one
// IP datagram leaving the host's stack, every write one datagram entering it.
// The exit AIN hands locally delivered datagrams to the kernel through it, and
// the kernel's NAT carries them on (docs/protocol.md "Exit delivery").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "io/batch_syscalls.h"
#include "io/packet_batch.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"
#include "util/bytes.h"

namespace ainet::io {

// What the TUN hands over. kVnetHdr: IFF_VNET_HDR with TUNSETOFFLOAD(TUN_F_CSUM
// | TUN_F_TSO4 | TUN_F_TSO6): every read starts with a virtio_net_hdr
// (io/virtio_net_hdr.h) and may be a TCP super-packet of up to 64 KB with a
// partial checksum, to be cut by io/tcp_segmentation.h; every write must start
// with one too (all zero: a plain, fully checksummed packet).
enum class TunOffload : uint8_t { kNone, kVnetHdr };

class TunDevice {
 public:
  // Creates (or attaches to) the interface `name` (at most 15 characters; a
  // "%d" in it lets the kernel number it, e.g. "ain%d"). Non-blocking.
  // Needs CAP_NET_ADMIN.
  static SysResult<TunDevice> open(std::string_view name, TunOffload offload = TunOffload::kNone);

  // Tests: a TunDevice over any packet-preserving descriptor (e.g. one end
  // of a SOCK_SEQPACKET pair), so the batch code runs without a TUN.
  static TunDevice adopt(UniqueFd fd, std::string name, bool vnet_hdr) {
    TunDevice t;
    t.fd_ = std::move(fd);
    t.name_ = std::move(name);
    t.vnet_hdr_ = vnet_hdr;
    return t;
  }

  int fd() const { return fd_.get(); }
  // The interface name the kernel gave.
  const std::string& name() const { return name_; }
  int index() const;
  // True when opened with TunOffload::kVnetHdr.
  bool vnet_hdr() const { return vnet_hdr_; }

  SysStatus set_mtu(int mtu);
  SysStatus set_up(bool up = true);

  // One datagram into buf; 0 when nothing is waiting. With vnet_hdr() every
  // buffer read or written (here and in the batch calls) begins with the
  // virtio_net_hdr, and a read buffer should hold 64 KB + the header.
  SysResult<size_t> read(MutByteSpan buf);
  // Reads datagrams until the batch is full or nothing is waiting (TUN has no
  // recvmmsg; read(2) per datagram into the preallocated slots).
  SysResult<BatchCounts> read_batch(PacketBatch& batch);
  // A datagram the kernel refuses (not IP, bad length) is an error of that
  // datagram only; the caller counts it.
  SysStatus write(ByteSpan datagram);
  // head then datagram in one write (writev): e.g. a virtio header before a
  // datagram that stays where it is.
  SysStatus write(ByteSpan head, ByteSpan datagram);
  SysResult<BatchCounts> write_batch(const PacketBatch& batch);

 private:
  UniqueFd fd_;
  std::string name_;
  bool vnet_hdr_ = false;
};

}  // namespace ainet::io
