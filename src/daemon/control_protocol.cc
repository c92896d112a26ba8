#include "daemon/control_protocol.h"

#include <limits>

namespace ainet::daemon {

using nlohmann::json;

namespace {
// udp carrier: "udp_port" and "udp_port_learned"; ip carrier: both null.
void udp_port_fields(json& j, uint16_t port, bool learned) {
  j["udp_port"] = port ? json(port) : json(nullptr);
  j["udp_port_learned"] = port ? json(learned) : json(nullptr);
}
}  // namespace

void to_json(json& j, const StatusInfo& v) {
  j = json{{"node_id", v.node_id},
           {"node_name", v.node_name},
           {"carrier", v.carrier},
           {"send_thread", v.send_thread},
           {"send_pipeline", v.send_pipeline},
           {"cpu_latency_us", v.cpu_latency_us ? json(*v.cpu_latency_us) : json(nullptr)},
           {"uptime_s", v.uptime_s},
           {"pvts_up", v.pvts_up},
           {"pvts_total", v.pvts_total},
           {"ants", v.ants},
           {"customers", v.customers},
           {"packets_in", v.packets_in},
           {"packets_out", v.packets_out},
           {"delivered_local", v.delivered_local},
           {"ants_created", v.ants_created},
           {"ants_destroyed", v.ants_destroyed},
           {"create_failures", v.create_failures},
           {"drops", v.drops},
           {"directory_expires", v.directory_expires ? json(*v.directory_expires) : json(nullptr)},
           {"shaping", v.shaping},
           {"tickets", v.tickets},
           {"tun_offload", v.tun_offload}};
}

void to_json(json& j, const PvtRow& v) {
  j = json{{"peer", v.peer},
           {"address", v.address},
           {"up", v.up},
           {"esp_spi_in", v.esp_spi_in},
           {"esp_spi_out", v.esp_spi_out},
           {"ah_spi_in", v.ah_spi_in},
           {"ah_spi_out", v.ah_spi_out},
           {"packets_in", v.packets_in},
           {"packets_out", v.packets_out},
           {"bytes_in", v.bytes_in},
           {"bytes_out", v.bytes_out},
           {"last_seen_ms", v.last_seen_ms},
           {"keying", v.keying},
           {"generation", v.generation},
           {"generations_live", v.generations_live},
           {"seq_out", v.seq_out}};
  udp_port_fields(j, v.udp_port, v.udp_port_learned);
}

void to_json(json& j, const TvtRow& v) {
  j = json{{"ant", v.ant},
           {"peer", v.peer},
           {"link", v.link},
           {"direction", v.direction},
           {"spi_in", v.spi_in},
           {"spi_in_cells", v.spi_in_cells},
           {"spi_out", v.spi_out},
           {"spi_out_cells", v.spi_out_cells},
           {"packets_in", v.packets_in},
           {"packets_out", v.packets_out},
           {"bytes_in", v.bytes_in},
           {"bytes_out", v.bytes_out}};
}

void to_json(json& j, const AntRow& v) {
  j = json{{"handle", v.handle},
           {"role", v.role},
           {"up", v.up},
           {"inner_src", v.inner_src},
           {"inner_dst", v.inner_dst},
           {"exit_src", v.exit_src},
           {"responder", v.responder},
           {"route", v.route},
           {"prev", v.prev},
           {"next", v.next},
           {"packets_fwd", v.packets_fwd},
           {"packets_bwd", v.packets_bwd},
           {"bytes_fwd", v.bytes_fwd},
           {"bytes_bwd", v.bytes_bwd},
           {"datagram_bytes_fwd", v.datagram_bytes_fwd},
           {"datagram_bytes_bwd", v.datagram_bytes_bwd},
           {"age_s", v.age_s},
           {"idle_s", v.idle_s},
           {"shaping", v.shaping},
           {"rate", v.rate},
           {"cells_real", v.cells_real},
           {"cells_dummy", v.cells_dummy},
           {"queue_drops", v.queue_drops},
           {"queued", v.queued},
           {"cover", v.cover}};
}

void to_json(json& j, const CustomerRow& v) {
  j = json{{"id", v.id},
           {"name", v.name},
           {"role", v.role},
           {"tunnel_address", v.tunnel_address},
           {"serves", v.serves},
           {"packets_in", v.packets_in},
           {"packets_out", v.packets_out},
           {"bytes_in", v.bytes_in},
           {"bytes_out", v.bytes_out},
           {"shaping", v.shaping},
           {"cells_real", v.cells_real},
           {"cells_dummy", v.cells_dummy},
           {"queue_drops", v.queue_drops},
           {"dummies_in", v.dummies_in}};
  udp_port_fields(j, v.udp_port, v.udp_port_learned);
}

void to_json(json& j, const SaRow& v) {
  // docs/pcap.md: the fields of an sa.txt line, the SPI as 0x + 8 hex digits.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string spi = "0x";
  for (int s = 28; s >= 0; s -= 4) spi += kHex[(v.spi >> s) & 15];
  j = json{{"kind", v.kind},       {"link", v.link},   {"proto", v.proto},         {"src", v.src},
           {"dst", v.dst},         {"spi", spi},       {"encap", v.encap},         {"enc", v.enc},
           {"enc_key", v.enc_key}, {"auth", v.auth},   {"auth_key", v.auth_key},   {"inbound", v.inbound},
           {"esn", v.esn},         {"seq", v.seq},     {"peer", v.peer}};
  if (v.kind == "tvt") {
    j["ant"] = v.ant;
    j["direction"] = v.direction;
  }
}

void to_json(json& j, const DirectoryInfo& v) { j = json{{"ains", v.ains}, {"expires", v.expires}}; }

void to_json(json& j, const IkeChildRow& v) {
  j = json{{"spi_in", v.spi_in},       {"spi_out", v.spi_out},       {"key_bits", v.key_bits},
           {"esn", v.esn},             {"udp_encap", v.udp_encap},   {"rekeying", v.rekeying},
           {"ts_local", v.ts_local},   {"ts_remote", v.ts_remote},   {"age_s", v.age_s},
           {"rekey_in_s", v.rekey_in_s}, {"expire_in_s", v.expire_in_s}, {"rekeys", v.rekeys}};
}

void to_json(json& j, const IkeSaRow& v) {
  j = json{{"handle", v.handle},
           {"peer", v.peer},
           {"customer", v.customer},
           {"pvt_peer", v.pvt_peer},
           {"kind", v.kind},
           {"state", v.state},
           {"role", v.role},
           {"spi_i", v.spi_i},
           {"spi_r", v.spi_r},
           {"local", v.local},
           {"remote", v.remote},
           {"nat_local", v.nat_local},
           {"nat_remote", v.nat_remote},
           {"key_bits", v.key_bits},
           {"age_s", v.age_s},
           {"rekey_in_s", v.rekey_in_s},
           {"expire_in_s", v.expire_in_s},
           {"last_heard_s", v.last_heard_s},
           {"rekeys", v.rekeys},
           {"virtual_ip", v.virtual_ip},
           {"children", v.children}};
}

void to_json(json& j, const IkeListing& v) { j = json{{"ike_sas", v.sas}, {"counters", v.counters}}; }

std::string control_error_line(const json& id, std::string_view code, std::string_view message) {
  json r{{"id", id},
         {"ok", false},
         {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return r.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::string ok_line(const json& id, json result) {
  json r{{"id", id}, {"ok", true}, {"result", std::move(result)}};
  return r.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Reads an unsigned integer argument; false if absent or not one.
bool get_uint(const json& args, const char* key, uint64_t max, uint64_t& out) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_number_unsigned()) return false;
  const uint64_t v = it->get<uint64_t>();
  if (v > max) return false;
  out = v;
  return true;
}

bool get_string(const json& args, const char* key, std::string& out) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

template <typename T>
std::string outcome_line(const json& id, const ControlOutcome<T>& o, json result) {
  if (!o.value) return control_error_line(id, o.error.code, o.error.message);
  return ok_line(id, std::move(result));
}

}  // namespace

std::string dispatch_control_line(ControlHandler& h, std::string_view line) {
  json req = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object())
    return control_error_line(nullptr, "bad_request", "request is not a JSON object");
  json id = req.value("id", json(nullptr));
  auto cmd_it = req.find("cmd");
  if (cmd_it == req.end() || !cmd_it->is_string())
    return control_error_line(id, "bad_request", "missing string field \"cmd\"");
  const std::string cmd = cmd_it->get<std::string>();
  json args = req.value("args", json::object());
  if (!args.is_object()) return control_error_line(id, "bad_request", "\"args\" must be an object");

  if (cmd == "version")
    return ok_line(id, {{"protocol", kControlProtocolVersion}, {"aind", "0.1.0"}});
  if (cmd == "status") return ok_line(id, h.status());
  if (cmd == "list_pvts") return ok_line(id, {{"pvts", h.list_pvts()}});
  if (cmd == "list_tvts") return ok_line(id, {{"tvts", h.list_tvts()}});
  if (cmd == "list_ants") return ok_line(id, {{"ants", h.list_ants()}});
  if (cmd == "list_customers") return ok_line(id, {{"customers", h.list_customers()}});
  if (cmd == "list_sas") {
    bool keys = false;
    if (auto it = args.find("keys"); it != args.end()) {
      if (!it->is_boolean()) return control_error_line(id, "bad_request", "list_sas: \"keys\" must be true or false");
      keys = it->get<bool>();
    }
    auto o = h.list_sas(keys);
    return outcome_line(id, o, o.value ? json{{"sas", *o.value}} : json());
  }
  if (cmd == "create_ant") {
    CreateAntRequest r;
    uint64_t customer = 0;
    if (!get_uint(args, "customer", std::numeric_limits<uint32_t>::max(), customer))
      return control_error_line(id, "bad_request", "create_ant: \"customer\" must be a customer id");
    r.customer = static_cast<uint32_t>(customer);
    if (!get_string(args, "src", r.src) || !get_string(args, "dst", r.dst))
      return control_error_line(id, "bad_request", "create_ant: \"src\" and \"dst\" must be addresses");
    if (auto it = args.find("route"); it != args.end()) {
      if (!it->is_array())
        return control_error_line(id, "bad_request", "create_ant: \"route\" must be a list of AIN ids");
      for (const json& e : *it) {
        if (!e.is_number_unsigned() || e.get<uint64_t>() == 0 ||
            e.get<uint64_t>() > std::numeric_limits<uint32_t>::max())
          return control_error_line(id, "bad_request", "create_ant: \"route\" must be a list of AIN ids");
        r.route.push_back(e.get<uint32_t>());
      }
    }
    auto o = h.create_ant(r);
    return outcome_line(id, o, o.value ? json{{"ant", *o.value}} : json());
  }
  if (cmd == "destroy_ant") {
    uint64_t ant = 0;
    if (!get_uint(args, "ant", std::numeric_limits<uint64_t>::max(), ant))
      return control_error_line(id, "bad_request", "destroy_ant: \"ant\" must be an ANT handle");
    auto o = h.destroy_ant(ant);
    return outcome_line(id, o, json::object());
  }
  if (cmd == "list_ike") {
    auto o = h.list_ike();
    return outcome_line(id, o, o.value ? json(*o.value) : json());
  }
  if (cmd == "ike_rekey" || cmd == "ike_terminate") {
    uint64_t target = 0;
    if (!get_uint(args, "id", std::numeric_limits<uint64_t>::max(), target))
      return control_error_line(id, "bad_request", cmd + ": \"id\" must be an IKE SA handle (or a child SPI)");
    bool child = false;
    if (auto it = args.find("child"); it != args.end()) {
      if (!it->is_boolean()) return control_error_line(id, "bad_request", cmd + ": \"child\" must be true or false");
      child = it->get<bool>();
    }
    auto o = cmd == "ike_rekey" ? h.ike_rekey(target, child) : h.ike_terminate(target, child);
    return outcome_line(id, o, json::object());
  }
  if (cmd == "reload_directory") {
    auto o = h.reload_directory();
    return outcome_line(id, o, o.value ? json(*o.value) : json());
  }
  return control_error_line(id, "unknown_command", "unknown command \"" + cmd + "\"");
}

std::string make_control_request(uint64_t id, std::string_view cmd, const json& args) {
  json r{{"id", id}, {"cmd", std::string(cmd)}};
  if (!args.is_null()) r["args"] = args;
  return r.dump(-1, ' ', false, json::error_handler_t::replace);
}

ControlReply parse_control_response(std::string_view line) {
  ControlReply reply;
  json r = json::parse(line.begin(), line.end(), nullptr, false);
  if (r.is_discarded() || !r.is_object() || !r.contains("ok") || !r["ok"].is_boolean()) {
    reply.error_code = "bad_response";
    reply.error_message = "daemon sent a malformed response";
    return reply;
  }
  reply.id = r.value("id", json(nullptr));
  reply.ok = r["ok"].get<bool>();
  if (reply.ok) {
    reply.result = r.value("result", json::object());
  } else {
    const json e = r.value("error", json::object());
    auto text = [&](const char* key, const char* fallback) {
      if (!e.is_object() || !e.contains(key) || !e[key].is_string()) return std::string(fallback);
      return e[key].get<std::string>();
    };
    reply.error_code = text("code", "failed");
    reply.error_message = text("message", "");
  }
  return reply;
}

}  // namespace ainet::daemon
