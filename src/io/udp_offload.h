// UDP segmentation offloads for the udp carrier, the arithmetic part (no
// system calls, so it can be tested alone).
//
// Every cell on a link has the same length (docs/protocol.md "Shaping"), so
// consecutive cells to one peer can leave as ONE sendmsg whose payload is the
// cells back to back, with a UDP_SEGMENT control message telling the kernel
// the cell length (Linux udp(7), "UDP_SEGMENT", since 4.18): the kernel (or
// the NIC) cuts it into datagrams of exactly that length, the last one
// possibly shorter. On receive, UDP_GRO (since 5.0) lets the kernel hand over
// several datagrams of one flow as one buffer, with the segment length in a
// UDP_GRO control message; the buffer is cut back into datagrams here, as
// spans into the receive buffer (no copy).
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "io/packet_batch.h"
#include "util/bytes.h"

namespace ainet::io {

// Linux caps one GSO send at UDP_MAX_SEGMENTS segments (64 before 6.9, 128
// after; the smaller keeps every kernel happy) and at one IP datagram's
// payload: 65535 - 40 (IPv6 header, the larger) - 8 (UDP header).
constexpr size_t kGsoMaxSegments = 64;
constexpr size_t kGsoMaxBytes = 65535 - 40 - 8;
// A receive buffer that holds the largest coalesced (GRO) datagram.
constexpr size_t kGroBufferSize = 65536;

// Number of datagrams in a received buffer of `len` bytes cut every
// `segment_size` bytes (0 = not coalesced: one datagram). The last may be
// shorter. An empty buffer is one empty datagram (UDP allows it).
size_t segment_count(size_t len, size_t segment_size);
// Datagram i (< segment_count) of `buffer`.
ByteSpan segment_at(ByteSpan buffer, size_t segment_size, size_t i);

// The segment length in one control message: > 0 for a well-formed
// SOL_UDP/UDP_GRO message, 0 for any other message, -1 for a UDP_GRO message
// too short to hold its int (never from a sane kernel; the datagram is then
// dropped: where its cells start cannot be known).
int gro_segment_size(const cmsghdr& c);

// GSO send planning. Starting at slot `first` of `batch` (not yet taken),
// collects the slots that can go as one UDP_SEGMENT send, in order: later
// not-taken slots [first+1, batch.size()) with the same peer and local
// address and the same length as `first`, then optionally one shorter (not
// empty) last one; stops at the first same-peer slot that does not fit, so
// the datagrams to one peer keep their order. Packets to other peers are
// skipped over, not reordered among themselves. At most kGsoMaxSegments and
// kGsoMaxBytes in all. Marks the chosen slots in `taken` (batch.size()
// bytes), writes their indices to `out` and returns how many (>= 1).
size_t plan_gso_run(const PacketBatch& batch, size_t first, uint8_t* taken, uint32_t* out);

}  // namespace ainet::io
