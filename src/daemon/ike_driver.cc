#include "daemon/ike_driver.h"

#include <netinet/in.h>

#include <optional>

namespace ainet::daemon {

IkeDriver::IkeDriver(ike::IkeConfig cfg, uint16_t port, uint16_t encap_port,
                     const wire::IpAddress& self, crypto::Rng& rng)
    : port_(port),
      encap_port_(encap_port),
      self_(self),
      engine_(std::make_unique<ike::IkeEngine>(std::move(cfg), rng)) {}

io::SysStatus IkeDriver::bind_port(uint16_t port, std::vector<io::UdpSocket>& out,
                                   std::vector<std::string>& warnings) {
  std::optional<io::SysError> first_error;
  for (int family : {AF_INET, AF_INET6}) {
    auto sock = io::UdpSocket::bind(io::SocketAddress::any(family, port));
    if (!sock) {
      warnings.push_back(std::string(family == AF_INET ? "IPv4" : "IPv6") + " IKE socket on port " +
                         std::to_string(port) + ": " + sock.error().message());
      if (!first_error) first_error = sock.error();
      continue;
    }
    out.push_back(std::move(sock).value());
  }
  if (out.empty()) return io::SysStatus{*first_error};
  return {};
}

io::SysStatus IkeDriver::bind(std::vector<std::string>& warnings) {
  return bind_port(port_, sockets_, warnings);
}

io::SysStatus IkeDriver::bind_encap(std::vector<std::string>& warnings) {
  return bind_port(encap_port_, encap_sockets_, warnings);
}

std::vector<int> IkeDriver::fds() const {
  std::vector<int> out;
  for (const io::UdpSocket& s : sockets_) out.push_back(s.fd());
  for (const io::UdpSocket& s : encap_sockets_) out.push_back(s.fd());
  return out;
}

void IkeDriver::on_readable(int fd, Time now) {
  now_ = now;
  for (const bool encap : {false, true}) {
    for (io::UdpSocket& s : encap ? encap_sockets_ : sockets_) {
      if (s.fd() != fd) continue;
      auto r = s.recv(in_);
      if (!r) return;
      for (size_t i = 0; i < in_.size(); ++i) {
        auto src = wire::IpAddress::from_bytes(in_.peer(i).ip_bytes());
        if (!src) continue;
        const ByteSpan pkt = in_.packet(i);
        const uint16_t sport = in_.peer(i).port();
        // Replies leave from the address the peer used (§2.11); the kernel
        // says which one (pktinfo), else it is our configured address.
        wire::IpAddress local = self_;
        if (!in_.local(i).empty())
          if (auto l = wire::IpAddress::from_bytes(in_.local(i).ip_bytes())) local = *l;
        if (encap) {
          // RFC 3948 §2.2/§2.3: the non-ESP marker is IKE, a lone 0xFF a
          // keepalive (ignored), anything else ESP with its SPI first.
          const bool ike = pkt.size() > 4 && (pkt[0] | pkt[1] | pkt[2] | pkt[3]) == 0;
          if (!ike) {
            if (pkt.size() >= 8) on_esp(now, *src, sport, pkt);
            continue;
          }
        }
        engine_->handle_datagram(now, {local, encap ? encap_port_ : port_}, {*src, sport}, pkt,
                                 *this);
      }
      drain(now);
      return;
    }
  }
}

void IkeDriver::on_encap(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) {
  now_ = now;
  engine_->handle_datagram(now, {self_, encap_port_}, {src, port}, payload, *this);
  drain(now);
}

void IkeDriver::drain(Time now) {
  while (!terminate_.empty()) {
    const uint32_t spi = terminate_.back();
    terminate_.pop_back();
    (void)engine_->terminate_child(now, spi, *this);
  }
}

void IkeDriver::on_timer(Time now) {
  now_ = now;
  if (now >= engine_->next_deadline()) {
    if (liveness_.tracked() != 0)
      liveness_.check(now, *engine_, [this](uint32_t spi) { return child_packets_in(spi); });
    // peer_alive may have moved the deadline (a liveness check that can wait).
    if (now >= engine_->next_deadline()) engine_->handle_timers(now, *this);
  }
  if (now >= own_deadline()) run_own_timers(now);
  drain(now);
}

void IkeDriver::send_datagram(const ike::UdpEndpoint& local, const ike::UdpEndpoint& remote,
                              ByteSpan payload) {
  if (local.port == encap_port_ && local.port != port_) {
    if (encap_sockets_.empty())
      send_encap(remote, payload);
    else
      send_on(encap_sockets_, local, remote, payload);
    return;
  }
  send_on(sockets_, local, remote, payload);
}

void IkeDriver::send_esp(const wire::IpAddress& dst, uint16_t port, ByteSpan payload) {
  send_on(encap_sockets_, {self_, encap_port_}, {dst, port}, payload);
}

void IkeDriver::send_on(std::vector<io::UdpSocket>& socks, const ike::UdpEndpoint& local,
                        const ike::UdpEndpoint& remote, ByteSpan payload) {
  const int family = remote.addr.is_v4() ? AF_INET : AF_INET6;
  for (io::UdpSocket& s : socks) {
    if (s.family() != family) continue;
    out_.clear();
    io::SocketAddress from;
    if (local.addr.family() == remote.addr.family())
      from = io::SocketAddress::from_ip(local.addr.bytes(), 0);
    if (!out_.push(payload, io::SocketAddress::from_ip(remote.addr.bytes(), remote.port), from))
      return;
    (void)s.send(out_);
    return;
  }
}

}  // namespace ainet::daemon
