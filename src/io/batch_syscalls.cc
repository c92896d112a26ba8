#include "io/batch_syscalls.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace ainet::io {
namespace {

void read_control(msghdr& mh, PacketBatch::Slot& s) {
  s.local = SocketAddress{};
  s.hop_limit = -1;
  s.traffic_class = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      // ipi_addr is the destination address in the IP header.
      s.local = SocketAddress::from_ip(ByteSpan(reinterpret_cast<uint8_t*>(&pi.ipi_addr), 4));
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      s.local = SocketAddress::from_ip(ByteSpan(reinterpret_cast<uint8_t*>(&pi.ipi6_addr), 16));
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int v;
      std::memcpy(&v, CMSG_DATA(c), sizeof v);
      s.hop_limit = v;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
      int v;
      std::memcpy(&v, CMSG_DATA(c), sizeof v);
      s.traffic_class = v;
    }
  }
}

// Builds the ancillary data of one outgoing packet; returns its length.
size_t write_control(PacketBatch::Slot& s, int family) {
  std::memset(s.control, 0, PacketBatch::kControlSize);
  msghdr mh{};
  mh.msg_control = s.control;
  mh.msg_controllen = PacketBatch::kControlSize;
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  size_t used = 0;
  auto add = [&](int level, int type, const void* data, size_t n) {
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(n);
    std::memcpy(CMSG_DATA(c), data, n);
    used += CMSG_SPACE(n);
    mh.msg_controllen = used;  // CMSG_NXTHDR checks against msg_controllen
    c = reinterpret_cast<cmsghdr*>(reinterpret_cast<uint8_t*>(c) + CMSG_SPACE(n));
  };
  if (family == AF_INET && s.local.is_v4()) {
    in_pktinfo pi{};
    std::memcpy(&pi.ipi_spec_dst, s.local.ip_bytes().data(), 4);
    add(IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
  }
  if (family == AF_INET6) {
    if (s.local.is_v6()) {
      in6_pktinfo pi{};
      std::memcpy(&pi.ipi6_addr, s.local.ip_bytes().data(), 16);
      add(IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
    }
    if (s.hop_limit >= 0) add(IPPROTO_IPV6, IPV6_HOPLIMIT, &s.hop_limit, sizeof(int));
    if (s.traffic_class >= 0) add(IPPROTO_IPV6, IPV6_TCLASS, &s.traffic_class, sizeof(int));
  }
  return used;
}

}  // namespace

SysResult<BatchCounts> recv_batch(int fd, PacketBatch& batch, size_t headroom) {
  batch.clear();
  const size_t n = batch.capacity();
  if (headroom >= batch.slot_size()) return sys_error("recvmmsg: headroom", EINVAL);
  mmsghdr* msgs = batch.msgs();
  iovec* iovs = batch.iovecs();
  for (size_t i = 0; i < n; ++i) {
    PacketBatch::Slot& s = batch.slot(i);
    iovs[i].iov_base = s.data + headroom;
    iovs[i].iov_len = batch.slot_size() - headroom;
    msghdr& mh = msgs[i].msg_hdr;
    mh = msghdr{};
    mh.msg_name = s.peer.sa();
    mh.msg_namelen = SocketAddress::capacity();
    mh.msg_iov = &iovs[i];
    mh.msg_iovlen = 1;
    mh.msg_control = s.control;
    mh.msg_controllen = PacketBatch::kControlSize;
    msgs[i].msg_len = 0;
  }
  int r;
  do {
    r = recvmmsg(fd, msgs, static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return BatchCounts{};
    return sys_error("recvmmsg");
  }
  BatchCounts counts;
  size_t kept = 0;
  for (size_t i = 0; i < static_cast<size_t>(r); ++i) {
    msghdr& mh = msgs[i].msg_hdr;
    if (mh.msg_flags & MSG_TRUNC) {  // bigger than a slot: never valid for us
      ++counts.dropped;
      continue;
    }
    PacketBatch::Slot& s = batch.slot(i);
    s.len = headroom + msgs[i].msg_len;
    counts.bytes += msgs[i].msg_len;
    read_control(mh, s);
    if (kept != i) batch.swap_slots(kept, i);
    ++kept;
  }
  batch.set_size(kept);
  counts.done = kept;
  return counts;
}

SysResult<BatchCounts> send_batch(int fd, PacketBatch& batch, size_t skip) {
  const size_t n = batch.size();
  mmsghdr* msgs = batch.msgs();
  iovec* iovs = batch.iovecs();
  BatchCounts counts;
  for (size_t i = 0; i < n; ++i) {
    PacketBatch::Slot& s = batch.slot(i);
    const size_t skipped = s.len < skip ? s.len : skip;
    iovs[i].iov_base = s.data + skipped;
    iovs[i].iov_len = s.len - skipped;
    msghdr& mh = msgs[i].msg_hdr;
    mh = msghdr{};
    mh.msg_name = const_cast<sockaddr*>(s.peer.sa());
    mh.msg_namelen = s.peer.length();
    mh.msg_iov = &iovs[i];
    mh.msg_iovlen = 1;
    const size_t control_len = write_control(s, s.peer.family());
    if (control_len) {
      mh.msg_control = s.control;
      mh.msg_controllen = control_len;
    }
  }
  size_t off = 0;
  while (off < n) {
    int r = sendmmsg(fd, msgs + off, static_cast<unsigned>(n - off), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        counts.dropped += n - off;
        break;
      }
      if (errno == EBADF || errno == ENOTSOCK) return sys_error("sendmmsg");
      // This one packet was refused (EHOSTUNREACH, EMSGSIZE, EINVAL for a bad
      // address...): drop it and keep sending the rest.
      ++counts.dropped;
      ++off;
      continue;
    }
    counts.done += static_cast<size_t>(r);
    for (size_t i = off; i < off + static_cast<size_t>(r); ++i) counts.bytes += msgs[i].msg_len;
    off += static_cast<size_t>(r);
  }
  return counts;
}

}  // namespace ainet::io
