// TunDevice: a Linux TUN interface (IFF_TUN | IFF_NO_PI): every read is one
// IP datagram leaving the host's stack, every write one datagram entering it.
// The exit AIN hands locally delivered datagrams to the kernel through it, and
// the kernel's NAT carries them on (docs/protocol.md "Exit delivery").
#pragma once
#include <string>
#include <string_view>

#include "io/batch_syscalls.h"
#include "io/packet_batch.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"
#include "util/bytes.h"

namespace ainet::io {

class TunDevice {
 public:
  // Creates (or attaches to) the interface `name` (at most 15 characters; a
  // "%d" in it lets the kernel number it, e.g. "ain%d"). Non-blocking.
  // Needs CAP_NET_ADMIN.
  static SysResult<TunDevice> open(std::string_view name);

  int fd() const { return fd_.get(); }
  // The interface name the kernel gave.
  const std::string& name() const { return name_; }
  int index() const;

  SysStatus set_mtu(int mtu);
  SysStatus set_up(bool up = true);

  // One datagram into buf; 0 when nothing is waiting.
  SysResult<size_t> read(MutByteSpan buf);
  // Reads datagrams until the batch is full or nothing is waiting (TUN has no
  // recvmmsg; read(2) per datagram into the preallocated slots).
  SysResult<BatchCounts> read_batch(PacketBatch& batch);
  // A datagram the kernel refuses (not IP, bad length) is an error of that
  // datagram only; the caller counts it.
  SysStatus write(ByteSpan datagram);
  SysResult<BatchCounts> write_batch(const PacketBatch& batch);

 private:
  UniqueFd fd_;
  std::string name_;
};

}  // namespace ainet::io
