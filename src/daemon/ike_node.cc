#include "daemon/ike_node.h"

#include <netinet/in.h>
#include <spdlog/spdlog.h>

namespace ainet::daemon {

namespace {
// How long after a failed or lost PVT IKE SA the initiator tries again.
constexpr Duration kPvtRetry = Duration::s(3);
}  // namespace

IkeNode::IkeNode(const IkeSettings& s, uint16_t udp_port, const wire::IpAddress& self,
                 crypto::Rng& rng, spdlog::logger& log)
    : settings_(s),
      udp_port_(udp_port),
      self_(self),
      engine_(std::make_unique<ike::IkeEngine>(s.engine, rng)),
      log_(log) {}

io::SysResult<std::unique_ptr<IkeNode>> IkeNode::open(const IkeSettings& s, uint16_t udp_port,
                                                      const wire::IpAddress& self, crypto::Rng& rng,
                                                      spdlog::logger& log,
                                                      std::vector<std::string>& warnings) {
  std::unique_ptr<IkeNode> n(new IkeNode(s, udp_port, self, rng, log));
  std::optional<io::SysError> first_error;
  for (int family : {AF_INET, AF_INET6}) {
    auto sock = io::UdpSocket::bind(io::SocketAddress::any(family, s.port));
    if (!sock) {
      warnings.push_back(std::string(family == AF_INET ? "IPv4" : "IPv6") + " IKE socket on port " +
                         std::to_string(s.port) + ": " + sock.error().message());
      if (!first_error) first_error = sock.error();
      continue;
    }
    n->sockets_.push_back(std::move(sock).value());
  }
  if (n->sockets_.empty()) return *first_error;
  return n;
}

std::vector<int> IkeNode::fds() const {
  std::vector<int> out;
  for (const io::UdpSocket& s : sockets_) out.push_back(s.fd());
  return out;
}

uint32_t IkeNode::customer_of(const std::string& peer) const {
  auto it = settings_.customer_of_peer.find(peer);
  return it == settings_.customer_of_peer.end() ? 0 : it->second;
}

core::NodeId IkeNode::pvt_of(const std::string& peer) const {
  auto it = settings_.pvt_of_peer.find(peer);
  return it == settings_.pvt_of_peer.end() ? 0 : it->second;
}

Time IkeNode::next_deadline() const {
  Time t = engine_->next_deadline();
  for (const auto& [peer, at] : pvt_retry_) t = std::min(t, at);
  return t;
}

void IkeNode::start_pvts(Time now) {
  for (const auto& [name, peer] : settings_.pvt_of_peer)
    if (settings_.self < peer) pvt_retry_[peer] = now;
  on_timer(now);
}

void IkeNode::on_readable(int fd, Time now) {
  now_ = now;
  for (io::UdpSocket& s : sockets_) {
    if (s.fd() != fd) continue;
    auto r = s.recv(in_);
    if (!r) return;
    for (size_t i = 0; i < in_.size(); ++i) {
      auto src = wire::IpAddress::from_bytes(in_.peer(i).ip_bytes());
      if (!src) continue;
      // Replies leave from the address the peer used (§2.11); the kernel
      // says which one (pktinfo), else it is our directory address.
      wire::IpAddress local = self_;
      if (!in_.local(i).empty())
        if (auto l = wire::IpAddress::from_bytes(in_.local(i).ip_bytes())) local = *l;
      engine_->handle_datagram(now, {local, settings_.port}, {*src, in_.peer(i).port()},
                               in_.packet(i), *this);
    }
    drain(now);
    return;
  }
}

void IkeNode::on_encap(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) {
  now_ = now;
  engine_->handle_datagram(now, {self_, udp_port_}, {src, port}, payload, *this);
  drain(now);
}

void IkeNode::drain(Time now) {
  while (!terminate_.empty()) {
    const uint32_t spi = terminate_.back();
    terminate_.pop_back();
    (void)engine_->terminate_child(now, spi, *this);
  }
}

void IkeNode::on_timer(Time now) {
  now_ = now;
  if (now >= engine_->next_deadline()) engine_->handle_timers(now, *this);
  for (auto it = pvt_retry_.begin(); it != pvt_retry_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const core::NodeId peer = it->first;
    it = pvt_retry_.erase(it);
    auto h = engine_->initiate(now, pvt_peer_name(peer), *this);
    if (h) {
      log_.info("IKE SA {} for the PVT to AIN {}: initiating", *h, peer);
    } else {
      log_.warn("IKE for the PVT to AIN {} cannot start ({}): retrying", peer,
                to_string(h.error()));
      pvt_retry_[peer] = now + kPvtRetry;
    }
  }
  drain(now);
}

void IkeNode::send_datagram(const ike::UdpEndpoint& local, const ike::UdpEndpoint& remote,
                            ByteSpan payload) {
  if (local.port == udp_port_ && local.port != settings_.port) {
    if (host_) host_->ike_send_encap(remote, payload);
    return;
  }
  const int family = remote.addr.is_v4() ? AF_INET : AF_INET6;
  for (io::UdpSocket& s : sockets_) {
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

void IkeNode::child_sa_up(const ike::ChildSaUp& up) {
  if (const core::NodeId peer = pvt_of(up.peer)) {
    log_.info("IKE child SA up: PVT to AIN {}, SPIs in 0x{:08x} out 0x{:08x}{}", peer, up.spi_in,
              up.spi_out,
              up.replaces_spi_in ? fmt::format(" (rekeys 0x{:08x})", up.replaces_spi_in) : "");
    if (!host_) return;
    pvt_of_spi_[up.spi_in] = peer;
    host_->ike_pvt_up(peer, up);
    return;
  }
  const uint32_t cust = customer_of(up.peer);
  log_.info("IKE child SA up: customer {} ({}), SPIs in 0x{:08x} out 0x{:08x}{}, peer {}{}", cust,
            up.peer, up.spi_in, up.spi_out,
            up.replaces_spi_in ? fmt::format(" (rekeys 0x{:08x})", up.replaces_spi_in) : "",
            up.remote.to_string(), up.virtual_ip4 ? ", inner " + up.virtual_ip4->to_string() : "");
  if (!cust || !host_) return;
  customer_of_spi_[up.spi_in] = cust;
  host_->ike_child_up(cust, up);
}

void IkeNode::child_sa_down(const ike::ChildSaDown& down) {
  if (auto p = pvt_of_spi_.find(down.spi_in); p != pvt_of_spi_.end()) {
    const core::NodeId peer = p->second;
    pvt_of_spi_.erase(p);
    log_.info("IKE child SA down: PVT to AIN {}, SPI in 0x{:08x} (reason {})", peer, down.spi_in,
              static_cast<int>(down.reason));
    if (host_) host_->ike_pvt_down(peer, down.spi_in);
    return;
  }
  auto it = customer_of_spi_.find(down.spi_in);
  if (it == customer_of_spi_.end()) return;
  const uint32_t cust = it->second;
  customer_of_spi_.erase(it);
  log_.info("IKE child SA down: customer {}, SPI in 0x{:08x} (reason {})", cust, down.spi_in,
            static_cast<int>(down.reason));
  if (host_) host_->ike_child_down(cust, down.spi_in);
}

void IkeNode::ike_sa_up(const ike::IkeSaEvent& ev) {
  log_.info("IKE SA {} up: {} from {}", ev.handle, ev.peer, ev.remote.to_string());
}

void IkeNode::ike_sa_down(const ike::IkeSaEvent& ev) {
  log_.info("IKE SA {} down: {} (reason {}{})", ev.handle, ev.peer.empty() ? "?" : ev.peer,
            static_cast<int>(ev.reason),
            ev.new_handle ? fmt::format(", now IKE SA {}", ev.new_handle) : "");
  // A PVT we initiate lost its IKE SA (not to a rekey): start a new one.
  const core::NodeId peer = pvt_of(ev.peer);
  if (peer != 0 && settings_.self < peer && ev.reason != ike::IkeDownReason::rekeyed &&
      ev.reason != ike::IkeDownReason::redundant && !pvt_retry_.count(peer))
    pvt_retry_[peer] = now_ + kPvtRetry;
}

}  // namespace ainet::daemon
