// recvmmsg/sendmmsg over a PacketBatch, shared by the UDP and raw IP sockets.
// Internal to io/.
#pragma once
#include <cstddef>

#include "io/packet_batch.h"
#include "io/sys_result.h"

namespace ainet::io {

struct BatchCounts {
  // Datagrams received / sent (a coalesced UDP GRO buffer or a GSO send
  // counts each of its datagrams).
  size_t done = 0;
  size_t dropped = 0;    // truncated on receive, refused by the kernel on send
  size_t bytes = 0;      // payload bytes of the `done` packets (metrics)
  size_t coalesced = 0;  // UDP: GRO buffers / GSO sends that carried 2+ datagrams
  // Receive: the call found the queue empty before the batch was full
  // (recvmmsg returned fewer than capacity(), or a read said EAGAIN). The
  // caller need not ask again: level-triggered epoll reports what comes
  // later, and an extra read that can only say EAGAIN costs a system call
  // per wake-up at low rates (ping RTT).
  bool drained = false;
};

// Receives up to batch.capacity() datagrams without blocking, each into its
// slot at `headroom` bytes from the start (so a header can be put in front).
// Slot length = headroom + datagram length. Truncated datagrams (larger than
// the slot) are dropped and counted. Zero packets when nothing is waiting.
// Reads IP_PKTINFO / IPV6_PKTINFO / IPV6_HOPLIMIT / IPV6_TCLASS if present.
// `gro`: the socket has UDP_GRO on; a slot may then hold several datagrams
// (PacketBatch::segment_size, io/udp_offload.h), and a buffer whose control
// data was cut short (MSG_CTRUNC) or whose UDP_GRO message is malformed is
// dropped and counted: where its datagrams start cannot be known.
SysResult<BatchCounts> recv_batch(int fd, PacketBatch& batch, size_t headroom, bool gro = false);

// Sends packets [0, batch.size()), skipping `skip` bytes at the front of each
// (raw IPv6: the kernel builds the IPv6 header). A packet the kernel refuses
// (e.g. no route to its destination) is dropped and counted, and the rest of
// the batch still goes; EAGAIN stops early (the rest counts as dropped: a full
// socket buffer means congestion, and the packet path never blocks). Sets the
// source address (pktinfo), hop limit and traffic class from the slot when
// given.
SysResult<BatchCounts> send_batch(int fd, PacketBatch& batch, size_t skip);

// UDP GSO state of one socket.
struct GsoState {
  bool enabled = false;   // send runs of equal-size datagrams with UDP_SEGMENT
  uint64_t refused = 0;   // GSO sends the kernel refused while the datagrams alone went
  int refused_errno = 0;  // the errno of the last such refusal
};

// send_batch for a UDP socket with GSO (io/udp_offload.h): the packets are
// grouped into runs (plan_gso_run) and each run of two or more leaves as one
// message with a UDP_SEGMENT control message, gathered from the slots by an
// iovec each (no copy). If the kernel refuses such a message, its datagrams
// are sent one by one; if those go through, the kernel refused the offload
// itself (no checksum offload on the route's device, old kernel...), so GSO
// is switched off for this socket (gso.enabled = false, gso.refused counts
// it). Counts, EAGAIN and refused-packet handling as send_batch. Without
// gso.enabled this is send_batch(fd, batch, 0).
SysResult<BatchCounts> send_batch_gso(int fd, PacketBatch& batch, GsoState& gso);

}  // namespace ainet::io
