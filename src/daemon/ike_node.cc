#include "daemon/ike_node.h"

#include <spdlog/spdlog.h>

namespace ainet::daemon {

namespace {
// How long after a failed or lost PVT IKE SA the initiator tries again.
constexpr Duration kPvtRetry = Duration::s(3);
}  // namespace

IkeNode::IkeNode(const IkeSettings& s, uint16_t udp_port, const wire::IpAddress& self,
                 crypto::Rng& rng, spdlog::logger& log)
    : IkeDriver(s.engine, s.port, udp_port, self, rng), settings_(s), log_(log) {}

io::SysResult<std::unique_ptr<IkeNode>> IkeNode::open(const IkeSettings& s, uint16_t udp_port,
                                                      const wire::IpAddress& self, crypto::Rng& rng,
                                                      spdlog::logger& log,
                                                      std::vector<std::string>& warnings,
                                                      bool own_encap) {
  std::unique_ptr<IkeNode> n(new IkeNode(s, udp_port, self, rng, log));
  if (auto st = n->bind(warnings); !st) return st.err;
  if (own_encap)
    if (auto st = n->bind_encap(warnings); !st) return st.err;
  return n;
}

uint32_t IkeNode::customer_of(const std::string& peer) const {
  auto it = settings_.customer_of_peer.find(peer);
  return it == settings_.customer_of_peer.end() ? 0 : it->second;
}

void IkeNode::send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) {
  if (host_) host_->ike_send_encap(remote, payload);
}

void IkeNode::on_esp(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) {
  if (host_) host_->ike_esp(now, src, port, payload);
}

core::NodeId IkeNode::pvt_of(const std::string& peer) const {
  auto it = settings_.pvt_of_peer.find(peer);
  return it == settings_.pvt_of_peer.end() ? 0 : it->second;
}

Time IkeNode::own_deadline() const {
  Time t = Time::max();
  for (const auto& [peer, at] : pvt_retry_) t = std::min(t, at);
  return t;
}

void IkeNode::start_pvts(Time now) {
  for (const auto& [name, peer] : settings_.pvt_of_peer)
    if (settings_.self < peer) pvt_retry_[peer] = now;
  on_timer(now);
}

void IkeNode::run_own_timers(Time now) {
  for (auto it = pvt_retry_.begin(); it != pvt_retry_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const core::NodeId peer = it->first;
    it = pvt_retry_.erase(it);
    auto h = engine().initiate(now, pvt_peer_name(peer), *this);
    if (h) {
      log_.info("IKE SA {} for the PVT to AIN {}: initiating", *h, peer);
    } else {
      log_.warn("IKE for the PVT to AIN {} cannot start ({}): retrying", peer,
                to_string(h.error()));
      pvt_retry_[peer] = now + kPvtRetry;
    }
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
  if (const auto n = host_->ike_child_packets_in(up.spi_in))
    liveness_.child_up(up.spi_in, up.ike_sa, *n);
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
  liveness_.child_down(down.spi_in);
  log_.info("IKE child SA down: customer {}, SPI in 0x{:08x} (reason {})", cust, down.spi_in,
            static_cast<int>(down.reason));
  if (host_) host_->ike_child_down(cust, down.spi_in);
}

void IkeNode::ike_sa_up(const ike::IkeSaEvent& ev) {
  log_.info("IKE SA {} up: {} from {}", ev.handle, ev.peer, ev.remote.to_string());
}

void IkeNode::ike_sa_down(const ike::IkeSaEvent& ev) {
  if (ev.new_handle) liveness_.ike_rekeyed(ev.handle, ev.new_handle);
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
