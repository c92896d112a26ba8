#include "cli/endpoint_status.h"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace ainet::cli {

using nlohmann::json;

namespace {

// Field as text (missing or null = "-"; lists joined by ", ").
std::string field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    std::string s;
    for (const json& e : *it)
      s += (s.empty() ? "" : ", ") + (e.is_string() ? e.get<std::string>() : e.dump());
    return s.empty() ? "-" : s;
  }
  return it->dump();
}

std::string spi(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(it->get<int64_t>()));
  return buf;
}

}  // namespace

bool is_endpoint_status(const json& r) {
  return r.is_object() && r.value("kind", json()) == "endpoint";
}

void print_endpoint_status(const json& r, std::ostream& out) {
  out << "endpoint " << field(r, "name") << " (" << field(r, "role") << ", anonymity option "
      << field(r, "anonymity_option") << "), up " << field(r, "uptime_s") << " s\n";
  out << "  tun:      " << field(r, "tun_name") << " (mtu " << field(r, "tun_mtu") << "), inner "
      << field(r, "inner_addresses") << ", routes " << field(r, "routes") << '\n';
  out << "  ain:      " << field(r, "ain_address") << " from " << field(r, "tunnel_address")
      << ", carrier " << field(r, "carrier");
  if (field(r, "carrier") == "udp") out << " (port " << field(r, "udp_port") << ')';
  out << '\n';
  out << "  tunnel:   esp out " << spi(r, "esp_spi_out") << " in " << spi(r, "esp_spi_in");
  if (r.contains("ah_spi_out") && !r["ah_spi_out"].is_null())
    out << ", ah out " << spi(r, "ah_spi_out") << " in " << spi(r, "ah_spi_in");
  out << '\n';
  // endpoint.ike: each IKE SA with the AIN and its child SAs.
  if (auto ike = r.find("ike"); ike != r.end() && ike->is_object()) {
    const json sas = ike->value("sas", json::array());
    if (sas.empty())
      out << "  ike:      no IKE SA"
          << (ike->value("last_failure", std::string()).empty()
                  ? std::string()
                  : " (last: " + ike->value("last_failure", std::string()) + ")")
          << '\n';
    for (const json& a : sas) {
      out << "  ike:      IKE SA " << field(a, "handle") << ' ' << field(a, "state") << ", "
          << field(a, "local") << " <-> " << field(a, "remote");
      if (!a.value("virtual_ip", std::string()).empty()) out << ", inner " << field(a, "virtual_ip");
      out << ", age " << field(a, "age_s") << " s, rekey in " << field(a, "rekey_in_s")
          << " s, rekeys " << field(a, "rekeys") << '\n';
      for (const json& c : a.value("children", json::array()))
        out << "            child esp in " << spi(c, "spi_in") << " out " << spi(c, "spi_out")
            << (c.value("udp_encap", false) ? " (udp)" : "") << ", rekey in "
            << field(c, "rekey_in_s") << " s, rekeys " << field(c, "rekeys") << '\n';
    }
  }
  if (auto q = r.find("cpu_latency_us"); q != r.end() && q->is_number_integer())
    out << "  cpu latency: " << q->get<int>() << " us requested (PM QoS, held while ain-endpoint runs)\n";
  out << "  packets:  in " << field(r, "packets_in") << " (" << field(r, "bytes_in") << " B), out "
      << field(r, "packets_out") << " (" << field(r, "bytes_out") << " B); carrier in "
      << field(r, "carrier_packets_in") << ", out " << field(r, "carrier_packets_out") << '\n';
  out << "  drops:   ";
  bool any = false;
  if (auto d = r.find("drops"); d != r.end() && d->is_object())
    for (auto it = d->begin(); it != d->end(); ++it)
      if (!(it.value().is_number() && it.value().get<double>() == 0)) {
        out << ' ' << it.key() << '=' << it.value().dump();
        any = true;
      }
  out << (any ? "\n" : " none\n");

  const json flows = r.value("flows", json::array());
  out << "  flows:    " << flows.size();
  if (auto o = r.find("flows_overflow"); o != r.end() && o->is_number() && o->get<double>() != 0)
    out << " (table full: " << o->dump() << " datagrams of unlisted pairs)";
  out << '\n';
  if (flows.empty()) return;
  const std::vector<std::string> header{"SRC",       "DST",     "PKTS-OUT",
                                        "BYTES-OUT", "PKTS-IN", "BYTES-IN"};
  std::vector<std::vector<std::string>> rows;
  for (const json& f : flows)
    rows.push_back({field(f, "src"), field(f, "dst"), field(f, "packets_out"),
                    field(f, "bytes_out"), field(f, "packets_in"), field(f, "bytes_in")});
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  auto line = [&](const std::vector<std::string>& row) {
    out << "   ";
    for (size_t i = 0; i < row.size(); ++i) {
      out << ' ' << row[i];
      if (i + 1 < row.size())
        out << std::string(w[i] - row[i].size() + 1, ' ');  // no trailing blanks
    }
    out << '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
}

}  // namespace ainet::cli
