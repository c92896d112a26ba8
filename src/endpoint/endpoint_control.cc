#include "endpoint/endpoint_control.h"

#include <nlohmann/json.hpp>

#include "daemon/control_handler.h"
#include "daemon/control_protocol.h"

namespace ainet::endpoint {

using nlohmann::json;

EndpointStatus endpoint_status(const EndpointConfig& cfg, const DatapathCounters& dp,
                               const FlowTable& flows, const EndpointIoCounters& io,
                               int64_t uptime_s) {
  EndpointStatus s;
  s.name = cfg.name;
  s.role = cfg.role == Role::initiator ? "initiator" : "responder";
  s.anonymity_option = cfg.anonymity_option;
  s.ain_address = cfg.ain_address.to_string();
  s.tunnel_address = cfg.tunnel_address.to_string();
  s.carrier = cfg.carrier == core::Carrier::ip ? "ip" : "udp";
  s.udp_port = cfg.udp_port;
  s.tun_name = cfg.tun_name;
  s.tun_mtu = cfg.tun_mtu;
  for (const auto& a : cfg.inner_addresses) s.inner_addresses.push_back(a.to_string());
  for (const auto& r : cfg.routes) s.routes.push_back(r.to_string());
  s.esp_spi_out = cfg.out.esp_spi;
  s.esp_spi_in = cfg.in.esp_spi;
  if (cfg.carrier == core::Carrier::ip) {
    s.ah_spi_out = cfg.out.ah_spi;
    s.ah_spi_in = cfg.in.ah_spi;
  }
  s.uptime_s = uptime_s;
  s.packets_out = dp.sealed;
  s.bytes_out = dp.sealed_bytes;
  s.packets_in = dp.opened;
  s.bytes_in = dp.opened_bytes;
  s.carrier_packets_out = io.carrier_sent;
  s.carrier_packets_in = io.carrier_received;
  // The fixed reasons are always listed (0 included), so a script can read
  // them without a default; open failures only by the Errc that occurred.
  s.drops = {{"tun_io", io.tun_dropped},
             {"bad_inner", dp.bad_inner},
             {"link_scoped", dp.link_scoped},
             {"seal_failed", dp.seal_failed},
             {"carrier_send", io.carrier_send_dropped},
             {"carrier_recv", io.carrier_recv_dropped},
             {"not_from_ain", dp.not_from_ain},
             {"not_esp", dp.not_esp},
             {"too_big", dp.too_big},
             {"not_ip", dp.not_ip}};
  if (cfg.ike.enabled) s.drops["no_sa"] = dp.no_sa;  // endpoint.ike: no child SA yet / any more
  for (size_t e = 0; e < dp.open_failed_by.size(); ++e)
    if (dp.open_failed_by[e] != 0)
      s.drops["open_" + std::string(to_string(static_cast<Errc>(e)))] = dp.open_failed_by[e];
  if (io.tun_offload)
    io.tun_offload->for_each_drop([&](const std::string& why, uint64_t n) { s.drops[why] = n; });
  flows.for_each([&](const FlowPair& p) {
    s.flows.push_back({p.src.to_string(), p.dst.to_string(), p.packets_out, p.bytes_out,
                       p.packets_in, p.bytes_in});
  });
  s.flows_overflow = flows.overflow();
  s.shaping = cfg.shaping.describe();
  s.padded = cfg.pad;
  s.shaping_counters = {{"real_sent", io.shaped_sent},
                        {"dummies_sent", dp.dummies_sent},
                        {"dummies_received", dp.dummies_received},
                        {"queue_drops", io.shaping_queue_drops},
                        {"queued", io.queued}};
  s.flows_expired = flows.expired();
  if (io.tun_offload) s.tun_offload = io.tun_offload->status_rows();
  return s;
}

namespace {

int64_t secs_until(Time now, Time t) {
  if (t.ns == 0 || t == Time::max()) return -1;
  return (t.ns - now.ns) / 1'000'000'000;
}
int64_t secs_since(Time now, Time t) { return t.ns == 0 ? -1 : (now.ns - t.ns) / 1'000'000'000; }

}  // namespace

EndpointIkeStatus endpoint_ike_status(const ike::IkeEngine& engine, Time now,
                                      const std::string& last_failure) {
  EndpointIkeStatus st;
  st.last_failure = last_failure;
  for (const ike::IkeSaInfo& i : engine.list_ike_sas()) {
    EndpointIkeSaRow r;
    r.handle = i.handle;
    r.state = std::string(ike::to_string(i.state));
    r.local = i.local.to_string();
    r.remote = i.remote.to_string();
    if (i.virtual_ip4) r.virtual_ip = i.virtual_ip4->to_string();
    r.age_s = secs_since(now, i.created);
    r.rekey_in_s = secs_until(now, i.rekey_at);
    r.rekeys = i.rekeys;
    for (const ike::ChildSaInfo& c : i.children)
      r.children.push_back({c.spi_in, c.spi_out, c.udp_encap, secs_since(now, c.established),
                            secs_until(now, c.rekey_at), c.rekeys});
    st.sas.push_back(std::move(r));
  }
  const ike::IkeCounters& c = engine.counters();
  st.counters = {{"ike_sas_up", c.ike_sas_up},         {"ike_sas_failed", c.ike_sas_failed},
                 {"ike_rekeys", c.ike_rekeys},         {"child_sas_up", c.child_sas_up},
                 {"child_rekeys", c.child_rekeys},     {"retransmissions", c.retransmissions},
                 {"datagrams_in", c.datagrams_in},     {"datagrams_out", c.datagrams_out},
                 {"dead_peers", c.dead_peers},         {"drops", c.total_drops()}};
  return st;
}

namespace {

json ike_json(const std::optional<EndpointIkeStatus>& ike) {
  if (!ike) return nullptr;
  json sas = json::array();
  for (const EndpointIkeSaRow& r : ike->sas) {
    json ch = json::array();
    for (const EndpointIkeChildRow& c : r.children)
      ch.push_back({{"spi_in", c.spi_in},
                    {"spi_out", c.spi_out},
                    {"udp_encap", c.udp_encap},
                    {"age_s", c.age_s},
                    {"rekey_in_s", c.rekey_in_s},
                    {"rekeys", c.rekeys}});
    sas.push_back({{"handle", r.handle},
                   {"state", r.state},
                   {"local", r.local},
                   {"remote", r.remote},
                   {"virtual_ip", r.virtual_ip},
                   {"age_s", r.age_s},
                   {"rekey_in_s", r.rekey_in_s},
                   {"rekeys", r.rekeys},
                   {"children", std::move(ch)}});
  }
  return json{{"sas", std::move(sas)}, {"counters", ike->counters}, {"last_failure", ike->last_failure}};
}

json flow_json(const FlowRow& f) {
  return json{{"src", f.src},
              {"dst", f.dst},
              {"packets_out", f.packets_out},
              {"bytes_out", f.bytes_out},
              {"packets_in", f.packets_in},
              {"bytes_in", f.bytes_in}};
}

json flows_json(const std::vector<FlowRow>& flows) {
  json a = json::array();
  for (const auto& f : flows) a.push_back(flow_json(f));
  return a;
}

json status_json(const EndpointStatus& s) {
  auto opt = [](const std::optional<uint32_t>& v) { return v ? json(*v) : json(nullptr); };
  return json{{"kind", "endpoint"},  // tells ainctl this is not aind's status
              {"name", s.name},
              {"role", s.role},
              {"anonymity_option", s.anonymity_option},
              {"ain_address", s.ain_address},
              {"tunnel_address", s.tunnel_address},
              {"carrier", s.carrier},
              {"udp_port", s.udp_port},
              {"tun_name", s.tun_name},
              {"tun_mtu", s.tun_mtu},
              {"inner_addresses", s.inner_addresses},
              {"routes", s.routes},
              {"esp_spi_out", s.esp_spi_out},
              {"esp_spi_in", s.esp_spi_in},
              {"ah_spi_out", opt(s.ah_spi_out)},
              {"ah_spi_in", opt(s.ah_spi_in)},
              {"uptime_s", s.uptime_s},
              {"packets_in", s.packets_in},
              {"packets_out", s.packets_out},
              {"bytes_in", s.bytes_in},
              {"bytes_out", s.bytes_out},
              {"carrier_packets_in", s.carrier_packets_in},
              {"carrier_packets_out", s.carrier_packets_out},
              {"drops", s.drops},
              {"flows", flows_json(s.flows)},
              {"flows_overflow", s.flows_overflow},
              {"flows_expired", s.flows_expired},
              {"shaping", s.shaping},
              {"padded", s.padded},
              {"shaping_counters", s.shaping_counters},
              {"tun_offload", s.tun_offload},
              {"cpu_latency_us", s.cpu_latency_us ? json(*s.cpu_latency_us) : json(nullptr)},
              {"ike", ike_json(s.ike)}};
}

std::string ok_line(const json& id, json result) {
  json r{{"id", id}, {"ok", true}, {"result", std::move(result)}};
  return r.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string dispatch_endpoint_control_line(EndpointControlHandler& h, std::string_view line) {
  // The same request checks, in the same order, as aind's
  // (daemon::dispatch_control_line), so a client sees one protocol.
  json req = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object())
    return daemon::control_error_line(nullptr, "bad_request", "request is not a JSON object");
  json id = req.value("id", json(nullptr));
  auto cmd_it = req.find("cmd");
  if (cmd_it == req.end() || !cmd_it->is_string())
    return daemon::control_error_line(id, "bad_request", "missing string field \"cmd\"");
  const std::string cmd = cmd_it->get<std::string>();
  if (auto a = req.find("args"); a != req.end() && !a->is_object())
    return daemon::control_error_line(id, "bad_request", "\"args\" must be an object");

  if (cmd == "version")
    return ok_line(
        id, {{"protocol", daemon::kControlProtocolVersion}, {"ain-endpoint", kEndpointVersion}});
  if (cmd == "status") return ok_line(id, status_json(h.status()));
  if (cmd == "list_flows") {
    const EndpointStatus s = h.status();
    return ok_line(id, {{"flows", flows_json(s.flows)},
                        {"flows_overflow", s.flows_overflow},
                        {"flows_expired", s.flows_expired}});
  }
  return daemon::control_error_line(
      id, "unknown_command",
      "unknown command \"" + cmd + "\" (ain-endpoint serves version, status, list_flows)");
}

}  // namespace ainet::endpoint
