#include "daemon/carrier_io.h"

#include <netinet/in.h>

#include "io/socket_buffers.h"

namespace ainet::daemon {

io::SysResult<std::unique_ptr<CarrierIo>> CarrierIo::open(core::Carrier carrier, uint16_t udp_port,
                                                           std::vector<std::string>& warnings) {
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
        if (family == AF_INET6 || proto == io::kIpProtoAh) e.out = std::make_unique<io::PacketBatch>();
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
      e.out = std::make_unique<io::PacketBatch>();
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
  return c;
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
      if (e.out && e.family == family && (family == AF_INET || e.protocol == proto)) target = &e;
  } else {
    const int family = dst.is_v4() ? AF_INET : AF_INET6;
    for (Endpoint& e : endpoints_)
      if (e.out && e.family == family) target = &e;
  }
  if (!target) {
    ++counters_.send_dropped;
    return;
  }
  if (target->out->full()) flush(*target);
  // RFC 3948 §3: a peer behind a NAT is reached at the port its
  // authenticated packets came from; everyone else at udp_port.
  const uint16_t port = carrier_ == core::Carrier::udp ? peer_ports_.port_of(dst) : 0;
  if (!target->out->push(packet, io::SocketAddress::from_ip(dst.bytes(), port))) ++counters_.send_dropped;
}

bool CarrierIo::queue_to(const wire::IpAddress& dst, uint16_t port, ByteSpan packet) {
  if (carrier_ != core::Carrier::udp) return false;
  const int family = dst.is_v4() ? AF_INET : AF_INET6;
  for (Endpoint& e : endpoints_) {
    if (!e.out || e.family != family) continue;
    if (e.out->full()) flush(e);
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
  for (const Endpoint& e : endpoints_) {
    if (!e.udp || !e.udp->gso()) return false;
    any = true;
  }
  return any;
}

void CarrierIo::flush(Endpoint& e) {
  if (!e.out || e.out->size() == 0) return;
  const bool had_gso = e.udp && e.udp->gso();
  auto r = e.raw ? e.raw->send(*e.out) : e.udp->send(*e.out);
  if (had_gso && !e.udp->gso()) {
    // Once per socket: GSO is off from now on.
    ++counters_.gso_refused;
    note(io::SysError{"UDP GSO send refused by the kernel, GSO off on this socket (cells go one by one)",
                      e.udp->gso_state().refused_errno});
  }
  if (r) {
    counters_.sent += r->done;
    counters_.bytes_sent += r->bytes;
    counters_.gso_sends += r->coalesced;
    counters_.send_dropped += r->dropped;
  } else {
    counters_.send_dropped += e.out->size();
    note(r.error());
  }
  e.out->clear();
}

void CarrierIo::flush() {
  for (Endpoint& e : endpoints_) flush(e);
}

std::optional<io::SysError> CarrierIo::take_error() {
  auto e = std::move(last_error_);
  last_error_.reset();
  return e;
}

}  // namespace ainet::daemon
