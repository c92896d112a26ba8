#include "endpoint/endpoint_ike.h"

#include <algorithm>
#include <cstdio>

namespace ainet::endpoint {

std::string describe(ike::IkeDownReason r) {
  using R = ike::IkeDownReason;
  switch (r) {
    case R::deleted_by_peer:
      return "deleted by the AIN";
    case R::deleted_locally:
      return "deleted by this endpoint";
    case R::peer_dead:
      return "the AIN does not answer (RFC 7296 §2.4)";
    case R::auth_failed:
      return "authentication failed (AUTHENTICATION_FAILED, RFC 7296 §2.21.2): check "
             "endpoint.ike local_id, remote_id and the PSK or keys against the AIN's "
             "[customer.ike]";
    case R::no_proposal:
      return "no acceptable proposal (NO_PROPOSAL_CHOSEN)";
    case R::negotiation_failed:
      return "negotiation failed (an error notify from the AIN)";
    case R::half_open_timeout:
      return "half-open timeout";
    case R::expired:
      return "hard lifetime reached without a rekey";
    case R::rekeyed:
      return "rekeyed";
    case R::redundant:
      return "redundant after a rekey collision";
  }
  return "unknown reason";
}

namespace {
std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}
}  // namespace

EndpointIkeClient::EndpointIkeClient(const EndpointConfig& c, crypto::Rng& rng, Host& host)
    : IkeDriver(c.ike.engine, c.ike.port, c.udp_port, c.tunnel_address, rng), host_(host) {}

Status EndpointIkeClient::start(Time now) {
  retry_at_ = Time::max();
  auto h = engine().initiate(now, kIkePeer, *this);
  drain(now);
  if (!h) return h.error();
  handle_ = *h;
  return Errc::ok;
}

void EndpointIkeClient::tick(Time now) {
  on_timer(now);
  if (want_retry_) {
    want_retry_ = false;
    retry_at_ = now + kRetry;
  }
  if (now >= retry_at_ && handle_ == 0) {
    host_.ike_log("starting a new IKE SA with the AIN" +
                  (vip4_ ? " (asking for inner address " + vip4_->to_string() + ")" : ""));
    // §3.15.1: ask for the address the TUN already has.
    if (vip4_) (void)engine().set_requested_address(kIkePeer, vip4_);
    if (Status st = start(now); !ok(st)) {
      host_.ike_log(std::string("IKE: cannot start an IKE SA: ") + std::string(to_string(st)));
      retry_at_ = now + kRetry;
    }
  }
}

Time EndpointIkeClient::deadline() const {
  return want_retry_ ? Time{0} : std::min(next_deadline(), retry_at_);
}

void EndpointIkeClient::send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) {
  host_.ike_send_encap(remote, payload);
}

void EndpointIkeClient::ike_sa_up(const ike::IkeSaEvent& ev) {
  failure_.clear();
  if (ev.virtual_ip4) vip4_ = ev.virtual_ip4;
  host_.ike_log("IKE SA " + std::to_string(ev.handle) +
                " with the AIN up: " + ev.local.to_string() + " <-> " + ev.remote.to_string() +
                (ev.virtual_ip4 ? ", inner address " + ev.virtual_ip4->to_string() + " (CP)" : ""));
}

void EndpointIkeClient::ike_sa_down(const ike::IkeSaEvent& ev) {
  if (ev.reason == ike::IkeDownReason::rekeyed) {
    // §2.18: the children moved to the new IKE SA.
    if (ev.handle == handle_) handle_ = ev.new_handle;
    liveness_.ike_rekeyed(ev.handle, ev.new_handle);
    host_.ike_log("IKE SA " + std::to_string(ev.handle) + " rekeyed: now IKE SA " +
                  std::to_string(ev.new_handle));
    return;
  }
  if (ev.reason == ike::IkeDownReason::redundant || ev.handle != handle_) return;
  handle_ = 0;
  failure_ = describe(ev.reason);
  if (ev.reason == ike::IkeDownReason::auth_failed) auth_failed_ = true;
  host_.ike_log("IKE SA " + std::to_string(ev.handle) + " with the AIN down: " + failure_);
  // Deleted by the AIN or lost: try again (the Host decides whether a
  // failure before the first child SA ends the program).
  want_retry_ = ev.reason != ike::IkeDownReason::deleted_locally;
  if (want_retry_) host_.ike_timer(Time{0});  // tick() at once schedules the restart
}

void EndpointIkeClient::child_sa_up(const ike::ChildSaUp& up) {
  if (up.virtual_ip4) vip4_ = up.virtual_ip4;
  host_.ike_log("child SA up: SPIs in " + hex32(up.spi_in) + " out " + hex32(up.spi_out) +
                (up.replaces_spi_in ? " (rekeys " + hex32(up.replaces_spi_in) + ")" : "") +
                (up.udp_encap ? ", ESP in UDP" : ", ESP"));
  if (!host_.ike_child_up(up)) {
    defer_terminate_child(up.spi_in);
    return;
  }
  ++children_;
  if (const auto n = host_.ike_child_packets_in(up.spi_in))
    liveness_.child_up(up.spi_in, up.ike_sa, *n);
}

void EndpointIkeClient::child_sa_down(const ike::ChildSaDown& down) {
  host_.ike_log("child SA " + hex32(down.spi_in) + " down (reason " +
                std::to_string(static_cast<int>(down.reason)) + ")");
  if (children_ > 0) --children_;
  liveness_.child_down(down.spi_in);
  host_.ike_child_down(down.spi_in);
}

}  // namespace ainet::endpoint
