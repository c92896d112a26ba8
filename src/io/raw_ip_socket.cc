#include "io/raw_ip_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace ainet::io {

SysResult<RawIpSocket> RawIpSocket::open(int family, uint8_t protocol) {
  if (family != AF_INET && family != AF_INET6) return sys_error("raw socket: family", EAFNOSUPPORT);
  RawIpSocket s;
  s.family_ = family;
  s.protocol_ = protocol;
  s.fd_.reset(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
  if (!s.fd_) return sys_error("socket(raw, protocol " + std::to_string(protocol) + ")");
  int one = 1;
  if (family == AF_INET) {
    if (setsockopt(s.fd(), IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0)
      return sys_error("setsockopt IP_HDRINCL");
  } else {
    if (setsockopt(s.fd(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0)
      return sys_error("setsockopt IPV6_RECVPKTINFO");
    if (setsockopt(s.fd(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one) < 0)
      return sys_error("setsockopt IPV6_RECVHOPLIMIT");
    if (setsockopt(s.fd(), IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one) < 0)
      return sys_error("setsockopt IPV6_RECVTCLASS");
  }
  return s;
}

SysStatus RawIpSocket::bind(const SocketAddress& local) {
  if (local.family() != family_) return sys_error("raw bind: family", EAFNOSUPPORT);
  if (::bind(fd(), local.sa(), local.length()) < 0) return sys_error("bind " + local.to_string());
  return {};
}

SysResult<BatchCounts> RawIpSocket::recv(PacketBatch& batch) {
  if (family_ == AF_INET) return recv_batch(fd(), batch, 0);
  auto r = recv_batch(fd(), batch, kIpv6HeaderSize);
  if (!r) return r;
  size_t kept = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    PacketBatch::Slot& s = batch.slot(i);
    const size_t payload = s.len - kIpv6HeaderSize;
    if (!s.local.is_v6() || !s.peer.is_v6() || payload > 0xffff) {
      ++r->dropped;  // no arrival address: cannot rebuild the header the ICV covers
      continue;
    }
    // RFC 8200 §3: version 6, traffic class, flow label 0 (mutable, RFC 4302
    // §3.3.3.1.2.1), payload length, next header, hop limit, source, destination.
    uint8_t* h = s.data;
    const uint8_t tc = s.traffic_class >= 0 ? static_cast<uint8_t>(s.traffic_class) : 0;
    h[0] = static_cast<uint8_t>(0x60 | (tc >> 4));
    h[1] = static_cast<uint8_t>((tc & 0x0f) << 4);
    h[2] = 0;
    h[3] = 0;
    store_be16(h + 4, static_cast<uint16_t>(payload));
    h[6] = protocol_;
    h[7] = s.hop_limit >= 0 ? static_cast<uint8_t>(s.hop_limit) : 0;
    std::memcpy(h + 8, s.peer.ip_bytes().data(), 16);
    std::memcpy(h + 24, s.local.ip_bytes().data(), 16);
    if (kept != i) batch.swap_slots(kept, i);
    ++kept;
  }
  r->done = kept;
  batch.set_size(kept);
  return r;
}

SysResult<BatchCounts> RawIpSocket::send(PacketBatch& batch) {
  // Validate first and move bad packets out of [0, kept).
  size_t kept = 0, bad = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    PacketBatch::Slot& s = batch.slot(i);
    const uint8_t* h = s.data;
    bool good;
    if (family_ == AF_INET) {
      // RFC 791 §3.1: version 4, total length = packet size.
      good = s.len >= 20 && (h[0] >> 4) == 4 && load_be16(h + 2) == s.len;
      if (good) s.peer = SocketAddress::from_ip(ByteSpan(h + 16, 4));  // route by the header's destination
      s.local = SocketAddress{};
    } else {
      // RFC 8200 §3: version 6, payload length, next header = our protocol.
      good = s.len >= kIpv6HeaderSize && (h[0] >> 4) == 6 &&
             load_be16(h + 4) == s.len - kIpv6HeaderSize && h[6] == protocol_;
      if (good) {
        s.traffic_class = ((h[0] & 0x0f) << 4) | (h[1] >> 4);
        s.hop_limit = h[7];
        s.local = SocketAddress::from_ip(ByteSpan(h + 8, 16));
        s.peer = SocketAddress::from_ip(ByteSpan(h + 24, 16));
      }
    }
    if (!good) {
      ++bad;
      continue;
    }
    if (kept != i) batch.swap_slots(kept, i);
    ++kept;
  }
  const size_t total = batch.size();
  batch.set_size(kept);
  auto r = send_batch(fd(), batch, family_ == AF_INET6 ? kIpv6HeaderSize : 0);
  batch.set_size(total);
  if (r) r->dropped += bad;
  return r;
}

}  // namespace ainet::io
