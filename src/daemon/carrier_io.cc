#include "daemon/carrier_io.h"

#include <netinet/in.h>

#include <algorithm>

#include "io/socket_buffers.h"

namespace ainet::daemon {

namespace {
// With the send thread: batches per sending socket, so the engine fills one
// while the thread sends others (64 cells each; 128 KB per batch).
constexpr size_t kBatchesPerSocket = 4;
// With the send thread: batches of up to this many packets are sent on the
// engine thread when the send thread is idle (no wake-up latency).
constexpr size_t kInlineMax = 8;
}  // namespace

io::SysResult<std::unique_ptr<CarrierIo>> CarrierIo::open(core::Carrier carrier, uint16_t udp_port,
                                                          std::vector<std::string>& warnings,
                                                          bool send_thread) {
  std::unique_ptr<CarrierIo> c(new CarrierIo());
  c->carrier_ = carrier;
  c->udp_port_ = udp_port;
  c->peer_ports_ = PeerPortTable(udp_port);
  std::optional<io::SysError> first_error;
  for (int family : {AF_INET, AF_INET6}) {
    const char* fam = family == AF_INET ? "IPv4" : "IPv6";
    if (carrier == core::Carrier::ip) {
      // AH (51) carries every ip-carrier packet (PVT AH|ESP, TVT AH, customer
      // AH|ESP); ESP (50) is opened so a bare ESP peer is seen and counted.
      for (uint8_t proto : {io::kIpProtoAh, io::kIpProtoEsp}) {
        auto s = io::RawIpSocket::open(family, proto);
        if (!s) {
          warnings.push_back(std::string(fam) + " raw socket, protocol " + std::to_string(proto) + ": " +
                             s.error().message());
          if (!first_error) first_error = s.error();
          continue;
        }
        Endpoint e;
        e.family = family;
        e.protocol = proto;
        e.raw.emplace(std::move(s).value());
        // IPv4 with IP_HDRINCL sends any protocol from one socket; IPv6 needs
        // the socket of the packet's next header.
        e.sends = family == AF_INET6 || proto == io::kIpProtoAh;
        c->endpoints_.push_back(std::move(e));
      }
    } else {
      auto s = io::UdpSocket::bind(io::SocketAddress::any(family, udp_port));
      if (!s) {
        warnings.push_back(std::string(fam) + " UDP socket: " + s.error().message());
        if (!first_error) first_error = s.error();
        continue;
      }
      Endpoint e;
      e.family = family;
      e.udp.emplace(std::move(s).value());
      std::string why_not;
      e.udp->enable_offloads(why_not);
      if (!why_not.empty())
        warnings.push_back(std::string(fam) + " UDP socket: offload not available, sending/receiving " +
                           "one datagram per cell: " + why_not);
      e.sends = true;
      e.gso_at_open = e.udp->gso();
      c->endpoints_.push_back(std::move(e));
    }
  }
  // Bursts of a full batch per socket must not overflow the default buffers.
  constexpr int kSocketBuffer = 4 << 20;
  for (const Endpoint& e : c->endpoints_)
    if (auto st = io::set_socket_buffers(e.fd(), kSocketBuffer); !st) warnings.push_back(st.err.message());
  // GRO hands over up to 64 KB per datagram: the receive batch is sized for
  // it (32 x 64 KB, allocated once) when any socket has it on.
  for (const Endpoint& e : c->endpoints_)
    if (e.udp && e.udp->gro()) {
      c->in_ = io::PacketBatch(kGroSlots, io::kGroBufferSize);
      break;
    }
  bool v4 = false, v6 = false;
  for (const Endpoint& e : c->endpoints_) (e.family == AF_INET ? v4 : v6) = true;
  if (!v4 && !v6) return *first_error;
  size_t sending = 0;
  for (const Endpoint& e : c->endpoints_) sending += e.sends ? 1 : 0;
  io::BatchSender& sender = *c;  // a private base: converted here, inside the class
  c->pipeline_ = std::make_unique<io::SendPipeline>(
      sender, send_thread ? sending * kBatchesPerSocket : std::max<size_t>(sending, 1));
  // A lone packet (a ping, an ACK, a keepalive) is not worth waking the
  // send thread for when it is idle (io/send_pipeline.h "Latency").
  c->pipeline_->set_inline_max(kInlineMax);
  return c;
}

CarrierIo::~CarrierIo() {
  // Whatever was flushed is sent (stop() drains) before the sockets close;
  // the thread is gone before any member it uses.
  if (pipeline_) pipeline_->stop();
}

std::vector<int> CarrierIo::fds() const {
  std::vector<int> out;
  for (const Endpoint& e : endpoints_) out.push_back(e.fd());
  return out;
}

CarrierIo::Endpoint* CarrierIo::find(int fd) {
  for (Endpoint& e : endpoints_)
    if (e.fd() == fd) return &e;
  return nullptr;
}

void CarrierIo::queue(const wire::IpAddress& dst, ByteSpan packet) {
  Endpoint* target = nullptr;
  if (carrier_ == core::Carrier::ip) {
    // The engine built the whole outer packet: pick the socket by its header.
    const int version = packet.empty() ? 0 : packet[0] >> 4;
    const int family = version == 4 ? AF_INET : version == 6 ? AF_INET6 : 0;
    const uint8_t proto = version == 6 && packet.size() > 6 ? packet[6] : io::kIpProtoAh;
    for (Endpoint& e : endpoints_)
      if (e.sends && e.family == family && (family == AF_INET || e.protocol == proto)) target = &e;
  } else {
    const int family = dst.is_v4() ? AF_INET : AF_INET6;
    for (Endpoint& e : endpoints_)
      if (e.sends && e.family == family) target = &e;
  }
  if (!target) {
    ++counters_.send_dropped;
    return;
  }
  if (target->out && target->out->full()) submit(static_cast<size_t>(target - endpoints_.data()));
  if (!target->out) target->out = &pipeline_->acquire();
  // RFC 3948 §3: a peer behind a NAT is reached at the port its
  // authenticated packets came from; everyone else at udp_port.
  const uint16_t port = carrier_ == core::Carrier::udp ? peer_ports_.port_of(dst) : 0;
  if (!target->out->push(packet, io::SocketAddress::from_ip(dst.bytes(), port))) ++counters_.send_dropped;
}

bool CarrierIo::queue_to(const wire::IpAddress& dst, uint16_t port, ByteSpan packet) {
  if (carrier_ != core::Carrier::udp) return false;
  const int family = dst.is_v4() ? AF_INET : AF_INET6;
  for (Endpoint& e : endpoints_) {
    if (!e.sends || e.family != family) continue;
    if (e.out && e.out->full()) submit(static_cast<size_t>(&e - endpoints_.data()));
    if (!e.out) e.out = &pipeline_->acquire();
    if (!e.out->push(packet, io::SocketAddress::from_ip(dst.bytes(), port))) ++counters_.send_dropped;
    return true;
  }
  ++counters_.send_dropped;
  return true;
}

bool CarrierIo::gro() const {
  bool any = false;
  for (const Endpoint& e : endpoints_) {
    if (!e.udp || !e.udp->gro()) return false;
    any = true;
  }
  return any;
}

bool CarrierIo::gso() const {
  bool any = false;
  const uint32_t refused = gso_refused_mask_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const Endpoint& e = endpoints_[i];
    if (!e.udp || !e.gso_at_open || (refused >> i) & 1) return false;
    any = true;
  }
  return any;
}

CarrierCounters CarrierIo::counters() const {
  CarrierCounters c = counters_;
  c.sent = sent_.sent.load(std::memory_order_relaxed);
  c.send_dropped += sent_.send_dropped.load(std::memory_order_relaxed);
  c.bytes_sent = sent_.bytes_sent.load(std::memory_order_relaxed);
  c.gso_refused = sent_.gso_refused.load(std::memory_order_relaxed);
  c.gso_sends = sent_.gso_sends.load(std::memory_order_relaxed);
  return c;
}

void CarrierIo::submit(size_t index) {
  Endpoint& e = endpoints_[index];
  if (!e.out) return;
  pipeline_->submit(static_cast<uint32_t>(index), *e.out);
  e.out = nullptr;  // the pipeline's now; the next queue() takes a fresh one
}

void CarrierIo::send_batch(uint32_t target, io::PacketBatch& batch) {
  // The sending side: the send thread, or flush()'s caller without one. It
  // alone touches the socket's send state (UdpSocket's GsoState).
  Endpoint& e = endpoints_[target];
  const bool had_gso = e.udp && e.udp->gso();
  auto r = e.raw ? e.raw->send(batch) : e.udp->send(batch);
  if (had_gso && !e.udp->gso()) {
    // Once per socket: GSO is off from now on.
    add(sent_.gso_refused, 1);
    gso_refused_mask_.fetch_or(1u << target, std::memory_order_relaxed);
    note(io::SysError{"UDP GSO send refused by the kernel, GSO off on this socket (cells go one by one)",
                      e.udp->gso_state().refused_errno});
  }
  if (r) {
    add(sent_.sent, r->done);
    add(sent_.bytes_sent, r->bytes);
    add(sent_.gso_sends, r->coalesced);
    add(sent_.send_dropped, r->dropped);
  } else {
    add(sent_.send_dropped, batch.size());
    note(r.error());
  }
}

void CarrierIo::flush() {
  for (size_t i = 0; i < endpoints_.size(); ++i)
    if (endpoints_[i].out && endpoints_[i].out->size() > 0) submit(i);
}

void CarrierIo::note(const io::SysError& e) {
  std::lock_guard<std::mutex> lock(error_mutex_);
  last_error_ = e;
  has_error_.store(true, std::memory_order_release);
}

std::optional<io::SysError> CarrierIo::take_error() {
  // Checked after every event: only a set flag costs the lock.
  if (!has_error_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard<std::mutex> lock(error_mutex_);
  auto e = std::move(last_error_);
  last_error_.reset();
  has_error_.store(false, std::memory_order_relaxed);
  return e;
}

}  // namespace ainet::daemon
