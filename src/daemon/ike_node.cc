#include "daemon/ike_node.h"

#include <spdlog/spdlog.h>

namespace ainet::daemon {

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

void IkeNode::child_sa_up(const ike::ChildSaUp& up) {
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
}

}  // namespace ainet::daemon
