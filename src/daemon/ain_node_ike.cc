// AinNode as the IkeNode's host: IKEv2 child SAs become customer tunnels in
// the core engine (docs/ike.md "Customer tunnels").
#include <spdlog/fmt/fmt.h>

#include "daemon/ain_node.h"
#include "io/clock.h"

namespace ainet::daemon {

void AinNode::attach_ike(std::unique_ptr<IkeNode> ike) {
  ike_ = std::move(ike);
  if (!ike_) return;
  ike_->set_host(this);
  ike_ports_.set_capacity(cfg_.engine.customers.size());
  now_ = io::monotonic_now();
  ike_->start_pvts(now_);  // the PVTs this AIN initiates (lower node id)
  flush();
}

void AinNode::ike_pvt_up(core::NodeId peer, const ike::ChildSaUp& up) {
  if (!up.udp_encap) {
    log_.warn("IKE child SA 0x{:08x} of the PVT to AIN {} is not UDP-encapsulated: deleted",
              up.spi_in, peer);
    ike_->defer_terminate_child(up.spi_in);
    return;
  }
  const Status st = engine_->pvt_sa_up(peer, up.remote.addr, up.outbound, up.inbound,
                                       up.extra_keymat, up.requested);
  if (!ok(st)) {
    log_.warn("IKE child SA 0x{:08x} of the PVT to AIN {} not installed ({}): deleted", up.spi_in,
              peer, to_string(st));
    ike_->defer_terminate_child(up.spi_in);
    return;
  }
  carrier_->learn_peer_port(up.remote.addr, up.remote.port);
}

void AinNode::ike_pvt_down(core::NodeId peer, uint32_t spi_in) {
  (void)engine_->pvt_sa_down(now_, peer, spi_in, *this);
}

void AinNode::on_ike_readable(int fd, Time now) {
  now_ = now;
  if (ike_) ike_->on_readable(fd, now);
  flush();
}

void AinNode::ike_child_up(uint32_t customer, const ike::ChildSaUp& up) {
  if (!up.udp_encap) {
    // Cannot happen with force_encap (ike_settings.cc); the udp carrier
    // could not receive bare ESP anyway.
    log_.warn("IKE child SA 0x{:08x} of customer {} is not UDP-encapsulated: deleted", up.spi_in,
              customer);
    ike_->defer_terminate_child(up.spi_in);
    return;
  }
  std::vector<wire::IpAddress> inner;
  if (up.virtual_ip4) inner.push_back(*up.virtual_ip4);
  if (up.virtual_ip6) inner.push_back(*up.virtual_ip6);
  Status st =
      engine_->customer_sa_up(customer, up.remote.addr, up.outbound, up.inbound, std::move(inner));
  if (!ok(st)) {
    log_.warn("IKE child SA 0x{:08x} of customer {} not installed ({}): deleted", up.spi_in,
              customer, to_string(st));
    ike_->defer_terminate_child(up.spi_in);
    return;
  }
  // The IKE message that brought this SA was authenticated from this port
  // (RFC 7296 §2.23): the customer's ESP goes there.
  carrier_->learn_peer_port(up.remote.addr, up.remote.port);
  if (carrier_->carrier() == core::Carrier::ip) ike_ports_.learn(up.remote.addr, up.remote.port);
}

void AinNode::ike_child_down(uint32_t customer, uint32_t spi_in) {
  (void)engine_->customer_sa_down(customer, spi_in);
}

void AinNode::ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) {
  carrier_->queue_to(remote.addr, remote.port, payload);
}

std::optional<uint64_t> AinNode::ike_child_packets_in(uint32_t spi_in) const {
  return engine_->tunnel_packets_in(spi_in);
}

// ip carrier: customer ESP in UDP on the IKE node's own port 4500 (RFC 3948).
void AinNode::ike_esp(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) {
  now_ = now;
  current_port_ = port;
  engine_->handle_encap_packet(now, src, payload, *this);
  current_port_ = 0;
}

void AinNode::send_encap_packet(const wire::IpAddress& dst, ByteSpan packet) {
  if (carrier_->carrier() == core::Carrier::udp || !ike_ || !ike_->owns_encap())
    return send_packet(dst, packet);
  ike_->send_esp(dst, ike_ports_.port_of(dst), packet);
}

namespace {

// Seconds from `now` until `t` (negative: past); -1 when `t` is unset.
int64_t seconds_until(Time now, Time t) {
  if (t.ns == 0 || t == Time::max()) return -1;
  return (t.ns - now.ns) / 1'000'000'000;
}
int64_t seconds_since(Time now, Time t) {
  return t.ns == 0 ? -1 : (now.ns - t.ns) / 1'000'000'000;
}

std::string hex_spi(uint32_t spi) {
  return fmt::format("0x{:08x}", spi);
}

std::vector<std::string> selectors(const std::vector<ike::TrafficSelector>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.to_string());
  return out;
}

}  // namespace

ControlOutcome<IkeListing> AinNode::list_ike() {
  if (!ike_) return ControlHandler::list_ike();
  const Time now = io::monotonic_now();
  IkeListing l;
  for (const ike::IkeSaInfo& i : ike_->engine().list_ike_sas()) {
    IkeSaRow r;
    r.handle = i.handle;
    r.peer = i.peer;
    r.customer = ike_->customer_of(i.peer);
    r.pvt_peer = ike_->pvt_of(i.peer);
    r.kind = r.pvt_peer ? "pvt" : r.customer ? "customer" : "";
    r.state = std::string(ike::to_string(i.state));
    r.role = i.initiator ? "initiator" : "responder";
    r.spi_i = fmt::format("{:016x}", i.spi_i);
    r.spi_r = fmt::format("{:016x}", i.spi_r);
    r.local = i.local.to_string();
    r.remote = i.remote.to_string();
    r.nat_local = i.nat_local;
    r.nat_remote = i.nat_remote;
    r.key_bits = i.key_bits;
    r.age_s = seconds_since(now, i.created);
    r.rekey_in_s = seconds_until(now, i.rekey_at);
    r.expire_in_s = seconds_until(now, i.expire_at);
    r.last_heard_s = seconds_since(now, i.last_heard);
    r.rekeys = i.rekeys;
    if (i.virtual_ip4)
      r.virtual_ip = i.virtual_ip4->to_string();
    else if (i.virtual_ip6)
      r.virtual_ip = i.virtual_ip6->to_string();
    for (const ike::ChildSaInfo& c : i.children) {
      IkeChildRow cr;
      cr.spi_in = hex_spi(c.spi_in);
      cr.spi_out = hex_spi(c.spi_out);
      cr.key_bits = c.key_bits;
      cr.esn = c.esn;
      cr.udp_encap = c.udp_encap;
      cr.rekeying = c.rekeying;
      cr.ts_local = selectors(c.ts_local);
      cr.ts_remote = selectors(c.ts_remote);
      cr.age_s = seconds_since(now, c.established);
      cr.rekey_in_s = seconds_until(now, c.rekey_at);
      cr.expire_in_s = seconds_until(now, c.expire_at);
      cr.rekeys = c.rekeys;
      r.children.push_back(std::move(cr));
    }
    l.sas.push_back(std::move(r));
  }
  const ike::IkeCounters& c = ike_->engine().counters();
  l.counters = {{"datagrams_in", c.datagrams_in},
                {"datagrams_out", c.datagrams_out},
                {"retransmissions", c.retransmissions},
                {"ike_sas_up", c.ike_sas_up},
                {"ike_sas_failed", c.ike_sas_failed},
                {"ike_rekeys", c.ike_rekeys},
                {"child_sas_up", c.child_sas_up},
                {"child_rekeys", c.child_rekeys},
                {"child_sas_failed", c.child_sas_failed},
                {"cookies_sent", c.cookies_sent},
                {"dpd_sent", c.dpd_sent},
                {"dead_peers", c.dead_peers},
                {"rekey_collisions", c.rekey_collisions},
                {"auth_failed_sent", c.error_sent(ike::NotifyType::authentication_failed)},
                {"no_proposal_sent", c.error_sent(ike::NotifyType::no_proposal_chosen)}};
  for (size_t d = 0; d < ike::kDropReasonCount; ++d)
    l.counters["drop_" + std::string(ike::to_string(static_cast<ike::DropReason>(d)))] = c.drops[d];
  const ike::IkeStateCounts sc = ike_->engine().state_counts();
  l.counters["state_ike_sas"] = sc.ike_sas;
  l.counters["state_half_open"] = sc.half_open;
  l.counters["state_children"] = sc.children;
  l.counters["state_leases"] = sc.leases;
  return ControlOutcome<IkeListing>::ok(std::move(l));
}

// `ainctl ike rekey|terminate`: one engine call on an IKE SA (by handle)
// or a child SA (by inbound SPI), with the same error replies for both.
ControlOutcome<Done> AinNode::ike_control(uint64_t id, bool child, const char* what,
                                          Status (ike::IkeEngine::*on_child)(Time, uint32_t,
                                                                             ike::Effects&),
                                          Status (ike::IkeEngine::*on_ike)(Time, uint64_t,
                                                                           ike::Effects&)) {
  const Time now = io::monotonic_now();
  now_ = now;
  ike::IkeEngine& e = ike_->engine();
  const Status st =
      child ? (e.*on_child)(now, static_cast<uint32_t>(id), *ike_) : (e.*on_ike)(now, id, *ike_);
  flush();
  if (ok(st)) return ControlOutcome<Done>::ok({});
  if (st == Errc::not_found)
    return ControlOutcome<Done>::fail(
        "not_found", child ? "no child SA with inbound SPI " + hex_spi(static_cast<uint32_t>(id))
                           : "no IKE SA " + std::to_string(id));
  return ControlOutcome<Done>::fail("failed",
                                    std::string(what) + ": " + std::string(to_string(st)));
}

ControlOutcome<Done> AinNode::ike_rekey(uint64_t id, bool child) {
  if (!ike_) return ControlHandler::ike_rekey(id, child);
  return ike_control(id, child, "rekey", &ike::IkeEngine::rekey_child, &ike::IkeEngine::rekey_ike);
}

ControlOutcome<Done> AinNode::ike_terminate(uint64_t id, bool child) {
  if (!ike_) return ControlHandler::ike_terminate(id, child);
  return ike_control(id, child, "terminate", &ike::IkeEngine::terminate_child,
                     &ike::IkeEngine::terminate_ike);
}

}  // namespace ainet::daemon
