// TCP segmentation of a super-packet read from a TUN with IFF_VNET_HDR and
// TSO offered (io/virtio_net_hdr.h), done in user space where the cell size
// is known: the endpoint and the exit cut the kernel's 64 KB TCP packet into
// segments whose payload fits one cell, instead of letting the kernel cut at
// the interface MTU. No system calls, no allocation: segments are written
// into buffers the caller owns (e.g. the slots of a PacketBatch).
//
// Each segment gets (as the kernel's tcp_gso_segment does):
//  - the IP header of the super-packet with the IPv4 total length, the IPv4
//    identification (+1 per segment) and the IPv4 header checksum
//    recomputed (RFC 791 §3.1), or the IPv6 payload length (RFC 8200 §3);
//  - the TCP header with the sequence number advanced by the payload before
//    it, FIN and PSH kept on the last segment only, CWR on the first only
//    (RFC 3168 §6.1.2: CWR is set on one segment), and the TCP checksum over
//    the pseudo-header and the segment computed in full (RFC 9293 §3.1).
#pragma once
#include <cstddef>
#include <span>

#include "io/packet_batch.h"
#include "io/virtio_net_hdr.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::io {

// The payload bytes per segment for a super-packet and a caller's cap
// (min(gso_size, max_payload)); 0 if max_payload is 0.
size_t tcp_segment_payload(const VirtioNetHdr& h, size_t max_payload);

// The TCP payload cap that makes every segment of `packet` at most
// `max_datagram` bytes long (IP + TCP headers + payload), e.g. the largest
// datagram a cell carries (core/onion.h max_cell_datagram): max_datagram
// minus the super-packet's header bytes, 0 if they do not fit or the header
// does not validate.
size_t tcp_payload_for_datagram(const VirtioNetHdr& h, ByteSpan packet, size_t max_datagram);

// How many packets `packet` (the IP packet after the virtio header) becomes
// with at most `max_payload` TCP payload bytes per segment: 1 for a non-GSO
// packet, ceil(payload / mss) for a super-packet (1 if it has no payload).
// Errors: the header's validation error (validate_virtio_net_hdr), or
// Errc::invalid_argument for max_payload 0 with a super-packet.
Result<size_t> tcp_segment_count(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload);

// Cuts `packet` into segments of at most `max_payload` TCP payload bytes
// (capped by h.gso_size), segment i into out[i] (its length into lens[i]).
// A non-GSO packet is copied into out[0] with its partial checksum completed
// (a caller that can work in place uses complete_partial_checksum instead).
// Returns the number of segments. Errc::buffer_too_small when `out` has too
// few buffers or one is too small, checked before anything is written. The
// input is never modified.
Result<size_t> tcp_segment(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload,
                           std::span<const MutByteSpan> out, std::span<size_t> lens);

// The same into the free slots of `batch` (next_buffer/commit, no peer
// address): either every segment is appended or none
// (Errc::buffer_too_small when the free slots or the slot size are too small).
Result<size_t> tcp_segment_into(const VirtioNetHdr& h, ByteSpan packet, size_t max_payload,
                                PacketBatch& batch);

}  // namespace ainet::io
