// recvmmsg/sendmmsg over a PacketBatch, shared by the UDP and raw IP sockets.
// Internal to io/.
#pragma once
#include <cstddef>

#include "io/packet_batch.h"
#include "io/sys_result.h"

namespace ainet::io {

struct BatchCounts {
  size_t done = 0;     // packets received / sent
  size_t dropped = 0;  // truncated on receive, refused by the kernel on send
  size_t bytes = 0;    // payload bytes of the `done` packets (metrics)
};

// Receives up to batch.capacity() datagrams without blocking, each into its
// slot at `headroom` bytes from the start (so a header can be put in front).
// Slot length = headroom + datagram length. Truncated datagrams (larger than
// the slot) are dropped and counted. Zero packets when nothing is waiting.
// Reads IP_PKTINFO / IPV6_PKTINFO / IPV6_HOPLIMIT / IPV6_TCLASS if present.
SysResult<BatchCounts> recv_batch(int fd, PacketBatch& batch, size_t headroom);

// Sends packets [0, batch.size()), skipping `skip` bytes at the front of each
// (raw IPv6: the kernel builds the IPv6 header). A packet the kernel refuses
// (e.g. no route to its destination) is dropped and counted, and the rest of
// the batch still goes; EAGAIN stops early (the rest counts as dropped: a full
// socket buffer means congestion, and the packet path never blocks). Sets the
// source address (pktinfo), hop limit and traffic class from the slot when
// given.
SysResult<BatchCounts> send_batch(int fd, PacketBatch& batch, size_t skip);

}  // namespace ainet::io
