// AinNode::metrics_text(): every aind metric family (docs/metrics.md).
#include "daemon/aind_metrics.h"

#include <string>

#include "daemon/ain_node.h"
#include "io/clock.h"
#include "util/result.h"

namespace ainet::daemon {

const char* signal_reason_name(uint8_t reason) {
  static constexpr const char* kNames[] = {
      "none",      "requested",  "expired",        "idle",
      "link_down", "auth",       "no_route",       "resources",
      "spi_collision", "timeout", "no_ticket",     "bad_ticket",
      "ticket_expired", "ticket_wrong_slice", "ticket_reused", "over_quota"};
  static_assert(sizeof kNames / sizeof kNames[0] == wire::kMaxSignalReason + 1);
  return reason <= wire::kMaxSignalReason ? kNames[reason] : "unknown";
}

void AindMetricsCounters::record(const core::EngineEvent& ev) {
  if (ev.kind == core::EventKind::ant_up && ev.setup.ns >= 0)
    setup_seconds.observe(static_cast<double>(ev.setup.ns) / 1e9);
  if (ev.kind == core::EventKind::ant_failed && ev.reason <= wire::kMaxSignalReason)
    ++create_failed[ev.reason];
}

std::string AinNode::metrics_text() {
  const core::EngineStats st = engine_->stats();
  const CarrierCounters& io = carrier_->counters();
  PrometheusText m;
  using T = MetricType;
  const std::string node = std::to_string(cfg_.engine.self);

  m.family("ainet_node_info", T::gauge, "This AIN: id, name, carrier and version (value 1).");
  m.sample("ainet_node_info",
           {{"node", node},
            {"name", cfg_.node_name},
            {"carrier", cfg_.engine.carrier == core::Carrier::ip ? "ip" : "udp"},
            {"version", AINET_VERSION}},
           uint64_t{1});
  m.gauge("ainet_uptime_seconds", "Seconds since aind started.",
          static_cast<double>((io::monotonic_now() - started_).ns / 1'000'000) / 1e3);
  if (dir_)
    m.gauge("ainet_directory_expiry_timestamp_seconds",
            "Unix time at which the loaded directory expires.",
            static_cast<double>(dir_->expires()));

  // PVTs.
  const std::vector<core::PvtInfo> pvts = engine_->pvts();
  m.family("ainet_pvt_up", T::gauge, "1 if the PVT to this neighbour AIN is up, else 0.");
  uint64_t up = 0;
  for (const core::PvtInfo& p : pvts) {
    m.sample("ainet_pvt_up", {{"peer", std::to_string(p.peer)}}, uint64_t{p.up ? 1u : 0u});
    up += p.up ? 1 : 0;
  }
  m.family("ainet_pvts", T::gauge, "Configured PVTs by state.");
  m.sample("ainet_pvts", {{"state", "up"}}, up);
  m.sample("ainet_pvts", {{"state", "down"}}, static_cast<uint64_t>(pvts.size()) - up);
  m.family("ainet_pvt_signaling_packets_total", T::counter,
           "Signaling packets on each PVT, by direction.");
  for (const core::PvtInfo& p : pvts) {
    const std::string peer = std::to_string(p.peer);
    m.sample("ainet_pvt_signaling_packets_total", {{"peer", peer}, {"direction", "in"}},
             p.packets_in);
    m.sample("ainet_pvt_signaling_packets_total", {{"peer", peer}, {"direction", "out"}},
             p.packets_out);
  }
  m.family("ainet_pvt_signaling_bytes_total", T::counter,
           "Outer bytes of the signaling packets on each PVT.");
  for (const core::PvtInfo& p : pvts) {
    const std::string peer = std::to_string(p.peer);
    m.sample("ainet_pvt_signaling_bytes_total", {{"peer", peer}, {"direction", "in"}}, p.bytes_in);
    m.sample("ainet_pvt_signaling_bytes_total", {{"peer", peer}, {"direction", "out"}},
             p.bytes_out);
  }

  // ANTs.
  m.family("ainet_ants", T::gauge, "Live ANTs this AIN takes part in, by its role on them.");
  static constexpr const char* kRoles[] = {"entrance", "intermediate", "exit"};
  for (size_t r = 0; r < 3; ++r)
    m.sample("ainet_ants", {{"role", kRoles[r]}}, static_cast<uint64_t>(st.ants_by_role[r]));
  m.counter("ainet_ants_created_total", "ANTs that came up with this AIN on them (any role).",
            st.ants_created);
  m.counter("ainet_ants_destroyed_total", "ANTs torn down after they were up (any role).",
            st.ants_destroyed);
  m.histogram("ainet_ant_setup_seconds",
              "Entrance ANTs: time from the first CREATE to CREATED, retries included.",
              counters_.setup_seconds);
  m.family("ainet_ant_create_failures_total", T::counter,
           "Entrance ANTs that could not be built, by the reason of the last attempt "
           "(docs/protocol.md).");
  for (uint8_t r = 1; r <= wire::kMaxSignalReason; ++r)
    m.sample("ainet_ant_create_failures_total", {{"reason", signal_reason_name(r)}},
             counters_.create_failed[r]);
  m.counter("ainet_create_attempt_failures_total",
            "Failed CREATE attempts: each failed attempt of this AIN's own ANTs and each CREATE it "
            "refused.",
            st.create_failures);

  // Cells and bytes.
  const core::AntTotals& t = st.ant_totals;
  m.family("ainet_cells_total", T::counter,
           "TVT data cells of this AIN's ANTs, by direction (fwd: towards the exit).");
  m.sample("ainet_cells_total", {{"direction", "fwd"}}, t.cells_fwd);
  m.sample("ainet_cells_total", {{"direction", "bwd"}}, t.cells_bwd);
  m.family("ainet_cell_bytes_total", T::counter, "Bytes of those cells (cell_size each).");
  m.sample("ainet_cell_bytes_total", {{"direction", "fwd"}}, t.cell_bytes_fwd);
  m.sample("ainet_cell_bytes_total", {{"direction", "bwd"}}, t.cell_bytes_bwd);
  m.family("ainet_datagram_bytes_total", T::counter,
           "Customer IP datagram bytes inside the cells (entrance and exit only), by direction.");
  m.sample("ainet_datagram_bytes_total", {{"direction", "fwd"}}, t.datagram_bytes_fwd);
  m.sample("ainet_datagram_bytes_total", {{"direction", "bwd"}}, t.datagram_bytes_bwd);
  // Shaping (docs/protocol.md "Shaping").
  m.family("ainet_dummy_cells_total", T::counter,
           "Dummy cells: sent in empty shaping slots (entrance forward, exit backward), and "
           "received and discarded after the last layer came off.");
  m.sample("ainet_dummy_cells_total", {{"direction", "sent"}}, st.dummy_cells_sent);
  m.sample("ainet_dummy_cells_total", {{"direction", "received"}}, st.dummy_cells);
  m.counter("ainet_shaping_queue_drops_total",
            "Real datagrams refused by a full shaping queue (ANTs and customer links).",
            st.queue_drops);
  m.family("ainet_customer_dummies_total", T::counter,
           "ESP dummy packets (next header 59) on customer tunnels, by direction.");
  m.sample("ainet_customer_dummies_total", {{"direction", "in"}}, st.customer_dummies_in);
  m.sample("ainet_customer_dummies_total", {{"direction", "out"}}, st.customer_dummies_out);
  m.counter("ainet_cover_ants_built_total", "Cover ANTs this AIN built as their entrance.",
            st.cover_ants_built);
  // Tickets (docs/protocol.md "Tickets").
  m.family("ainet_tickets_checked_total", T::counter,
           "Tickets of CREATEs this AIN received, by verdict.");
  const std::pair<const char*, uint64_t> verdicts[] = {
      {"accepted", st.tickets.accepted},       {"missing", st.tickets.missing},
      {"malformed", st.tickets.malformed},     {"forged", st.tickets.forged},
      {"expired", st.tickets.expired},         {"wrong_slice", st.tickets.wrong_slice},
      {"reused", st.tickets.reused},           {"over_quota", st.tickets.over_quota},
      {"over_capacity", st.tickets.over_capacity}};
  for (const auto& [v, n] : verdicts) m.sample("ainet_tickets_checked_total", {{"verdict", v}}, n);
  m.family("ainet_tickets_issued_total", T::counter,
           "Tickets this entrance signed for its customers, and the ones it refused, by outcome.");
  m.sample("ainet_tickets_issued_total", {{"outcome", "issued"}}, st.tickets_issued.issued);
  m.sample("ainet_tickets_issued_total", {{"outcome", "over_quota"}}, st.tickets_issued.over_quota);
  m.sample("ainet_tickets_issued_total", {{"outcome", "over_capacity"}},
           st.tickets_issued.over_capacity);
  m.counter("ainet_cells_over_quota_total",
            "Customer datagrams dropped beyond [tickets] quota_cells.", st.cells_over_quota);
  m.family("ainet_packets_total", T::counter, "IPsec packets the engine handled, by direction.");
  m.sample("ainet_packets_total", {{"direction", "in"}}, st.packets_in);
  m.sample("ainet_packets_total", {{"direction", "out"}}, st.packets_out);
  m.counter("ainet_local_deliveries_total", "Datagrams an exit delivered locally (TUN).",
            st.delivered_local);
  m.family("ainet_carrier_packets_total", T::counter,
           "Packets through the carrier sockets, by direction.");
  m.sample("ainet_carrier_packets_total", {{"direction", "in"}}, io.received);
  m.sample("ainet_carrier_packets_total", {{"direction", "out"}}, io.sent);
  m.family("ainet_carrier_bytes_total", T::counter,
           "Bytes through the carrier sockets, by direction.");
  m.sample("ainet_carrier_bytes_total", {{"direction", "in"}}, io.bytes_received);
  m.sample("ainet_carrier_bytes_total", {{"direction", "out"}}, io.bytes_sent);
  m.family("ainet_carrier_coalesced_total", T::counter,
           "udp carrier: GSO sends (out) and GRO buffers (in) that carried two or more datagrams.");
  m.sample("ainet_carrier_coalesced_total", {{"direction", "in"}}, io.gro_buffers);
  m.sample("ainet_carrier_coalesced_total", {{"direction", "out"}}, io.gso_sends);
  m.counter("ainet_carrier_gso_refused_total",
            "udp carrier: sockets whose GSO send the kernel refused (GSO then off there).", io.gso_refused);

  // Drops: every engine reason (ainet::Errc) and the daemon's I/O ones.
  m.family("ainet_drops_total", T::counter,
           "Packets dropped, by reason: ainet::Errc names (engine) and io_recv, io_send, io_tun "
           "(daemon I/O).");
  for (size_t i = 1; i < kErrcCount; ++i)
    m.sample("ainet_drops_total", {{"reason", to_string(static_cast<Errc>(i))}},
             i < st.drops.size() ? st.drops[i] : 0);
  m.sample("ainet_drops_total", {{"reason", "io_recv"}}, io.recv_dropped);
  m.sample("ainet_drops_total", {{"reason", "io_send"}}, io.send_dropped);
  m.sample("ainet_drops_total", {{"reason", "io_tun"}}, tun_dropped_);
  m.family("ainet_drop_details_total", T::counter,
           "Finer names for some drops (each also counted in ainet_drops_total under its Errc).");
  m.sample("ainet_drop_details_total", {{"detail", "source_mismatch"}}, st.source_mismatch);
  m.sample("ainet_drop_details_total", {{"detail", "unknown_destroy"}}, st.unknown_destroy);
  m.sample("ainet_drop_details_total", {{"detail", "pending_dropped"}}, st.pending_dropped);
  m.sample("ainet_drop_details_total", {{"detail", "unexpected_signal"}}, st.unexpected_signal);
  m.sample("ainet_drop_details_total", {{"detail", "not_routable"}}, st.not_routable);
  if (vnet_)  // [network] tun_offload: TUN reads refused by why (included in io_tun)
    vnet_->counters().for_each_drop([&](const std::string& why, uint64_t n) {
      m.sample("ainet_drop_details_total", {{"detail", why}}, n);
    });

  // Customers.
  const std::vector<core::CustomerInfo> customers = engine_->customers();
  m.family("ainet_customer_packets_total", T::counter,
           "Packets on each customer tunnel, by direction.");
  for (const core::CustomerInfo& c : customers) {
    const std::string id = std::to_string(c.id);
    m.sample("ainet_customer_packets_total", {{"customer", id}, {"direction", "in"}}, c.packets_in);
    m.sample("ainet_customer_packets_total", {{"customer", id}, {"direction", "out"}},
             c.packets_out);
  }
  return m.take();
}

}  // namespace ainet::daemon
