#include "io/udp_offload.h"

#include <netinet/udp.h>

#include <cstring>

#ifndef UDP_GRO
#define UDP_GRO 104  // linux/udp.h, since 5.0
#endif

namespace ainet::io {

size_t segment_count(size_t len, size_t segment_size) {
  if (segment_size == 0 || len <= segment_size) return 1;
  return (len + segment_size - 1) / segment_size;
}

ByteSpan segment_at(ByteSpan buffer, size_t segment_size, size_t i) {
  if (segment_size == 0) return buffer;
  const size_t start = i * segment_size;
  if (start >= buffer.size()) return buffer.subspan(buffer.size());
  const size_t n = buffer.size() - start < segment_size ? buffer.size() - start : segment_size;
  return buffer.subspan(start, n);
}

int gro_segment_size(const cmsghdr& c) {
  if (c.cmsg_level != SOL_UDP || c.cmsg_type != UDP_GRO) return 0;
  if (c.cmsg_len < CMSG_LEN(sizeof(int))) return -1;
  int v;
  std::memcpy(&v, CMSG_DATA(&c), sizeof v);
  return v > 0 && v <= 0xffff ? v : -1;
}

size_t plan_gso_run(const PacketBatch& batch, size_t first, uint8_t* taken, uint32_t* out) {
  const size_t seg = batch.packet(first).size();
  const SocketAddress& peer = batch.peer(first);
  const SocketAddress& local = batch.local(first);
  taken[first] = 1;
  out[0] = static_cast<uint32_t>(first);
  size_t n = 1, bytes = seg;
  if (seg == 0) return n;  // an empty datagram cannot be a segment
  for (size_t j = first + 1; j < batch.size() && n < kGsoMaxSegments; ++j) {
    if (taken[j] || !(batch.peer(j) == peer) || !(batch.local(j) == local)) continue;
    const size_t len = batch.packet(j).size();
    if (len == 0 || len > seg || bytes + len > kGsoMaxBytes) break;
    taken[j] = 1;
    out[n++] = static_cast<uint32_t>(j);
    bytes += len;
    if (len < seg) break;  // a shorter segment can only be the last
  }
  return n;
}

}  // namespace ainet::io
