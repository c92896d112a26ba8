#include "io/batch_syscalls.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cstring>

#include "io/udp_offload.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, since 4.18
#endif

namespace ainet::io {
namespace {

// False when a UDP_GRO message is malformed.
bool read_control(msghdr& mh, PacketBatch::Slot& s) {
  s.local = SocketAddress{};
  s.hop_limit = -1;
  s.traffic_class = -1;
  s.segment_size = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (const int seg = gro_segment_size(*c); seg != 0) {
      if (seg < 0) return false;
      s.segment_size = static_cast<size_t>(seg);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
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
  return true;
}

// Builds the ancillary data of one outgoing packet (plus UDP_SEGMENT when
// gso_size > 0); returns its length.
size_t write_control(PacketBatch::Slot& s, int family, size_t gso_size = 0) {
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
  if (gso_size > 0) {
    const uint16_t v = static_cast<uint16_t>(gso_size);  // udp(7): a u16
    add(SOL_UDP, UDP_SEGMENT, &v, sizeof v);
  }
  return used;
}

}  // namespace

SysResult<BatchCounts> recv_batch(int fd, PacketBatch& batch, size_t headroom, bool gro) {
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
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BatchCounts none;
      none.drained = true;
      return none;
    }
    return sys_error("recvmmsg");
  }
  BatchCounts counts;
  // With MSG_DONTWAIT, recvmmsg stops short of n only when the queue is empty.
  counts.drained = static_cast<size_t>(r) < n;
  size_t kept = 0;
  for (size_t i = 0; i < static_cast<size_t>(r); ++i) {
    msghdr& mh = msgs[i].msg_hdr;
    if (mh.msg_flags & MSG_TRUNC) {  // bigger than a slot: never valid for us
      ++counts.dropped;
      continue;
    }
    PacketBatch::Slot& s = batch.slot(i);
    s.len = headroom + msgs[i].msg_len;
    if (!read_control(mh, s) || (gro && (mh.msg_flags & MSG_CTRUNC))) {
      ++counts.dropped;
      continue;
    }
    counts.bytes += msgs[i].msg_len;
    const size_t segments = segment_count(msgs[i].msg_len, s.segment_size);
    counts.done += segments;
    if (segments > 1) ++counts.coalesced;
    if (kept != i) batch.swap_slots(kept, i);
    ++kept;
  }
  batch.set_size(kept);
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

namespace {

// The datagrams of one refused GSO message, one sendmsg each, without the
// UDP_SEGMENT control message (the last one written). Returns how many went.
size_t send_one_by_one(int fd, const msghdr& gso_msg, BatchCounts& counts) {
  msghdr mh = gso_msg;
  mh.msg_iovlen = 1;
  const size_t gso_cmsg = CMSG_SPACE(sizeof(uint16_t));
  mh.msg_controllen = gso_msg.msg_controllen > gso_cmsg ? gso_msg.msg_controllen - gso_cmsg : 0;
  if (mh.msg_controllen == 0) mh.msg_control = nullptr;
  size_t sent = 0;
  for (size_t k = 0; k < gso_msg.msg_iovlen; ++k) {
    mh.msg_iov = gso_msg.msg_iov + k;
    ssize_t r;
    do {
      r = sendmsg(fd, &mh, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      ++counts.dropped;
      continue;
    }
    ++sent;
    ++counts.done;
    counts.bytes += static_cast<size_t>(r);
  }
  return sent;
}

}  // namespace

SysResult<BatchCounts> send_batch_gso(int fd, PacketBatch& batch, GsoState& gso) {
  if (!gso.enabled) return send_batch(fd, batch, 0);
  const size_t n = batch.size();
  mmsghdr* msgs = batch.msgs();
  iovec* iovs = batch.iovecs();
  uint8_t* taken = batch.taken_scratch();
  uint32_t* order = batch.order_scratch();
  if (n) std::memset(taken, 0, n);
  // One message per run; a run's iovecs are consecutive in iovs.
  size_t m = 0, pos = 0;
  for (size_t i = 0; i < n; ++i) {
    if (taken[i]) continue;
    const size_t k = plan_gso_run(batch, i, taken, order + pos);
    for (size_t r = 0; r < k; ++r) {
      PacketBatch::Slot& s = batch.slot(order[pos + r]);
      iovs[pos + r].iov_base = s.data;
      iovs[pos + r].iov_len = s.len;
    }
    PacketBatch::Slot& s = batch.slot(i);
    msghdr& mh = msgs[m].msg_hdr;
    mh = msghdr{};
    mh.msg_name = const_cast<sockaddr*>(s.peer.sa());
    mh.msg_namelen = s.peer.length();
    mh.msg_iov = &iovs[pos];
    mh.msg_iovlen = k;
    const size_t control_len = write_control(s, s.peer.family(), k > 1 ? s.len : 0);
    if (control_len) {
      mh.msg_control = s.control;
      mh.msg_controllen = control_len;
    }
    pos += k;
    ++m;
  }
  BatchCounts counts;
  size_t off = 0;
  while (off < m) {
    int r = sendmmsg(fd, msgs + off, static_cast<unsigned>(m - off), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        for (size_t j = off; j < m; ++j) counts.dropped += msgs[j].msg_hdr.msg_iovlen;
        break;
      }
      if (errno == EBADF || errno == ENOTSOCK) return sys_error("sendmmsg");
      const int err = errno;
      const msghdr& mh = msgs[off].msg_hdr;
      if (mh.msg_iovlen > 1) {
        // Refused as a whole: the offload, or the destination? The datagrams
        // alone tell. Either way none is lost that the kernel would take.
        if (send_one_by_one(fd, mh, counts) > 0) {
          gso.enabled = false;
          ++gso.refused;
          gso.refused_errno = err;
        }
      } else {
        ++counts.dropped;  // this one packet was refused (no route...)
      }
      ++off;
      continue;
    }
    for (size_t j = off; j < off + static_cast<size_t>(r); ++j) {
      counts.done += msgs[j].msg_hdr.msg_iovlen;
      counts.bytes += msgs[j].msg_len;
      if (msgs[j].msg_hdr.msg_iovlen > 1) ++counts.coalesced;
    }
    off += static_cast<size_t>(r);
  }
  return counts;
}

}  // namespace ainet::io
