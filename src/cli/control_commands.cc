#include "cli/control_commands.h"

#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/endpoint_status.h"

namespace ainet::cli {

using nlohmann::json;

namespace {

// Field as text whatever its JSON type (missing = "-").
std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  if (it->is_array()) {
    // Routes (numbers) read as paths 1-4-6; lists of prefixes as a,b.
    std::string s;
    for (const json& e : *it) s += (s.empty() ? "" : e.is_string() ? "," : "-") + (e.is_string() ? e.get<std::string>() : e.dump());
    return s.empty() ? "-" : s;
  }
  return it->dump();
}

std::string hex_spi(const json& j, const char* key) {
  auto it = j.find(key);
  // Parsed JSON holds non-negative numbers as unsigned, built JSON as signed.
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return "-";
  std::ostringstream s;
  s << "0x" << std::hex << std::setw(8) << std::setfill('0') << it->get<int64_t>();
  return s.str();
}

// udp carrier: the port packets to the peer go to, "(learned)" when it came
// from the peer's authenticated packets (a NAT mapping, RFC 3948 §3) rather
// than the configuration; "-" on the ip carrier.
std::string udp_port(const json& j) {
  auto it = j.find("udp_port");
  if (it == j.end() || !it->is_number_integer()) return "-";
  return it->dump() + (j.value("udp_port_learned", false) ? " (learned)" : "");
}

// Prints rows under a header, each column as wide as its widest cell.
void table(std::ostream& out, const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(w[i] - r[i].size() + 2, ' ');
    }
    out << s << '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void print_status(const json& r, std::ostream& out) {
  out << "node " << text(r, "node_id") << " (" << text(r, "node_name") << "), carrier " << text(r, "carrier")
      << ", up " << text(r, "uptime_s") << " s\n";
  if (auto t = r.find("send_thread"); t != r.end() && t->is_boolean())
    out << "  send thread: " << (t->get<bool>() ? "on" : "off") << '\n';
  if (auto q = r.find("cpu_latency_us"); q != r.end() && q->is_number_integer())
    out << "  cpu latency: " << q->get<int>() << " us requested (PM QoS, held while aind runs)\n";
  out << "  PVTs:      " << text(r, "pvts_up") << " up of " << text(r, "pvts_total") << '\n';
  out << "  ANTs:      " << text(r, "ants") << " (created " << text(r, "ants_created") << ", destroyed "
      << text(r, "ants_destroyed") << ", failed " << text(r, "create_failures") << ")\n";
  out << "  customers: " << text(r, "customers") << '\n';
  out << "  packets:   in " << text(r, "packets_in") << ", out " << text(r, "packets_out") << ", local "
      << text(r, "delivered_local") << '\n';
  out << "  directory: expires " << text(r, "directory_expires") << '\n';
  if (auto d = r.find("drops"); d != r.end() && d->is_object() && !d->empty()) {
    out << "  drops:    ";
    for (auto it = d->begin(); it != d->end(); ++it) out << ' ' << it.key() << '=' << it.value().dump();
    out << '\n';
  }
  for (const char* group : {"shaping", "tickets", "send_pipeline"}) {
    auto d = r.find(group);
    if (d == r.end() || !d->is_object() || d->empty()) continue;
    const size_t name = std::string_view(group).size();
    out << "  " << group << ':' << std::string(name < 9 ? 9 - name : 0, ' ');
    for (auto it = d->begin(); it != d->end(); ++it) out << ' ' << it.key() << '=' << it.value().dump();
    out << '\n';
  }
}

}  // namespace

void print_result(std::string_view cmd, const json& r, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  if (cmd == "status" && is_endpoint_status(r)) {
    print_endpoint_status(r, out);  // an ain-endpoint's socket (docs/control.md "ain-endpoint")
  } else if (cmd == "status") {
    print_status(r, out);
  } else if (cmd == "list_pvts") {
    for (const json& p : r.value("pvts", json::array()))
      rows.push_back(
          {text(p, "peer"), text(p, "address"), udp_port(p), text(p, "up"),
           p.value("keying", std::string("manual")) == "ike"
               ? "ike gen " + text(p, "generation") +
                     (p.value("generations_live", 0) > 1 ? " (rekeying)" : "")
               : "manual",
           hex_spi(p, "esp_spi_in"), hex_spi(p, "esp_spi_out"), text(p, "packets_in"),
           text(p, "packets_out"),
           p.value("last_seen_ms", int64_t{-1}) < 0 ? "never" : text(p, "last_seen_ms")});
    table(out,
          {"PEER", "ADDRESS", "UDP-PORT", "UP", "KEYING", "ESP-IN", "ESP-OUT", "PKTS-IN",
           "PKTS-OUT", "LAST-SEEN-MS"},
          rows);
  } else if (cmd == "list_tvts") {
    // One row per link of an ANT; each SPI says which cells it carries, so a
    // relay's row for the link back to the entrance reads "in fwd" (forward
    // cells arrive there) and "out bwd".
    for (const json& t : r.value("tvts", json::array())) {
      const std::string link = text(t, "link");
      rows.push_back({text(t, "ant"),
                      (link == "next" ? "next ain" : link == "prev" ? "prev ain" : link + " ain") + text(t, "peer") +
                          (link == "next" ? " (exit side)" : link == "prev" ? " (entrance side)" : ""),
                      text(t, "spi_in_cells") + " " + hex_spi(t, "spi_in"),
                      text(t, "spi_out_cells") + " " + hex_spi(t, "spi_out"), text(t, "packets_in"),
                      text(t, "packets_out"), text(t, "bytes_in"), text(t, "bytes_out")});
    }
    table(out, {"ANT", "LINK", "SPI-IN (CELLS)", "SPI-OUT (CELLS)", "CELLS-IN", "CELLS-OUT", "BYTES-IN", "BYTES-OUT"},
          rows);
  } else if (cmd == "list_ants") {
    for (const json& a : r.value("ants", json::array())) {
      // Shaping (docs/protocol.md "Shaping"): this end's rate, the cells it
      // sent in its slots (real/dummy) and the datagrams its queue refused.
      const bool shaped = a.value("shaping", std::string("off")) != "off";
      rows.push_back({text(a, "handle"), a.value("cover", false) ? "entrance(cover)" : text(a, "role"),
                      text(a, "up"), text(a, "inner_src"), text(a, "inner_dst"), text(a, "route"),
                      text(a, "packets_fwd"), text(a, "packets_bwd"),
                      shaped ? text(a, "rate") + "/s" : "-",
                      shaped ? text(a, "cells_real") + "/" + text(a, "cells_dummy") : "-",
                      shaped ? text(a, "queue_drops") : "-", text(a, "age_s"), text(a, "idle_s")});
    }
    table(out, {"ANT", "ROLE", "UP", "SRC", "DST", "ROUTE", "PKTS-FWD", "PKTS-BWD", "RATE", "REAL/DUMMY",
                "Q-DROPS", "AGE-S", "IDLE-S"},
          rows);
  } else if (cmd == "list_customers") {
    for (const json& c : r.value("customers", json::array()))
      rows.push_back({text(c, "id"), text(c, "name"), text(c, "role"), text(c, "tunnel_address"), udp_port(c),
                      text(c, "serves"), text(c, "packets_in"), text(c, "packets_out"), text(c, "shaping"),
                      text(c, "cells_real") + "/" + text(c, "cells_dummy"), text(c, "dummies_in")});
    table(out, {"ID", "NAME", "ROLE", "TUNNEL", "UDP-PORT", "SERVES", "PKTS-IN", "PKTS-OUT", "SHAPING",
                "REAL/DUMMY-OUT", "DUMMIES-IN"},
          rows);
  } else if (cmd == "list_sas") {
    for (const json& s : r.value("sas", json::array())) {
      const bool tvt = text(s, "kind") == "tvt";
      rows.push_back({text(s, "kind"), text(s, "link"), text(s, "proto"), text(s, "src") + " -> " + text(s, "dst"),
                      text(s, "spi"), text(s, "enc") == "none" ? text(s, "auth") : text(s, "enc"),
                      tvt ? text(s, "ant") + "/" + text(s, "direction") : "-", tvt ? text(s, "seq") : "-",
                      text(s, "enc_key") != "-" || text(s, "auth_key") != "-" ? "yes" : "no"});
    }
    table(out, {"KIND", "PEER", "PROTO", "SRC -> DST", "SPI", "ALGORITHM", "ANT/DIR", "SEQ", "KEYS"}, rows);
  } else if (cmd == "list_ike") {
    // One row per IKE SA, then one indented row per child SA (docs/ike.md).
    auto secs = [](const json& o, const char* k) {
      const int64_t v = o.value(k, int64_t{-1});
      return v < 0 ? std::string("-") : std::to_string(v) + "s";
    };
    for (const json& a : r.value("ike_sas", json::array())) {
      const std::string peer =
          a.value("pvt_peer", 0) != 0 ? "pvt ain" + text(a, "pvt_peer") : text(a, "peer");
      rows.push_back({text(a, "handle"), peer, text(a, "state"), text(a, "remote"),
                      text(a, "virtual_ip").empty() ? "-" : text(a, "virtual_ip"), secs(a, "age_s"),
                      secs(a, "rekey_in_s"), secs(a, "expire_in_s"), text(a, "rekeys"),
                      text(a, "spi_i") + "/" + text(a, "spi_r")});
      for (const json& c : a.value("children", json::array()))
        rows.push_back({"", "  child", c.value("rekeying", false) ? "rekeying" : "installed",
                        c.value("udp_encap", false) ? "esp-in-udp" : "esp", "aes" + text(c, "key_bits") + "gcm16",
                        secs(c, "age_s"), secs(c, "rekey_in_s"), secs(c, "expire_in_s"), text(c, "rekeys"),
                        text(c, "spi_in") + "/" + text(c, "spi_out")});
    }
    table(out, {"HANDLE", "PEER", "STATE", "REMOTE", "INNER", "AGE", "REKEY-IN", "EXPIRES-IN", "REKEYS", "SPIS (I/R, IN/OUT)"},
          rows);
    const json c = r.value("counters", json::object());
    out << "counters:";
    for (const auto& [k, v] : c.items())
      if (v.is_number() && v.get<uint64_t>() != 0) out << ' ' << k << '=' << v.get<uint64_t>();
    out << '\n';
  } else if (cmd == "ike_rekey") {
    out << "rekey started\n";
  } else if (cmd == "ike_terminate") {
    out << "terminated\n";
  } else if (cmd == "create_ant") {
    out << "ANT " << text(r, "ant") << " is being created\n";
  } else if (cmd == "destroy_ant") {
    out << "destroyed\n";
  } else if (cmd == "reload_directory") {
    out << "directory reloaded: " << text(r, "ains") << " AINs, expires " << text(r, "expires") << '\n';
  } else {
    out << r.dump(2) << '\n';
  }
}

void print_sa_txt(const json& r, std::ostream& out) {
  // docs/pcap.md "sa.txt format (v1)": the required fields, then esn/seq,
  // which a checker needs for the high half of ESN sequence numbers.
  out << "# ainet sa.txt v1 (ainctl sas --sa-txt)\n";
  for (const json& s : r.value("sas", json::array())) {
    out << "sa";
    for (const char* k : {"kind", "link", "proto", "src", "dst", "spi", "encap", "enc", "enc_key", "auth", "auth_key"})
      out << ' ' << k << '=' << text(s, k);
    if (s.value("esn", false)) out << " esn=yes seq=" << text(s, "seq");
    out << '\n';
  }
}

int sas_command(daemon::ControlClient& client, bool keys, bool sa_txt, bool as_json, std::ostream& out,
                std::ostream& err) {
  if (!sa_txt || as_json) return control_command(client, "list_sas", {{"keys", keys}}, as_json, out, err);
  daemon::ControlReply reply = client.call("list_sas", {{"keys", keys}});
  if (!reply.ok) {
    err << "ainctl: " << reply.error_code << ": " << reply.error_message << '\n';
    return 1;
  }
  print_sa_txt(reply.result, out);
  return 0;
}

int control_command(daemon::ControlClient& client, std::string_view cmd, const json& args, bool as_json,
                    std::ostream& out, std::ostream& err) {
  daemon::ControlReply reply = client.call(cmd, args);
  if (!reply.ok) {
    err << "ainctl: " << reply.error_code << ": " << reply.error_message << '\n';
    return 1;
  }
  if (as_json)
    out << reply.result.dump(2) << '\n';
  else
    print_result(cmd, reply.result, out);
  return 0;
}

}  // namespace ainet::cli
