// Helpers shared by the scenario tests: standard worlds, sending datagrams
// through ANTs and answering them at the far end, and the property checks
// (unlinkability, constant lengths, clean teardown).
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/sim_datagram.h"
#include "sim/sim_world.h"

namespace ainet::sim {

// Inner destinations: a host on the Internet behind the exit (local
// delivery) and the network a registered responder serves.
inline IpAddress internet_host(bool v6) {
  return IpAddress::parse(v6 ? "2001:db8:1::7" : "198.51.100.7").value();
}
inline IpAddress responder_host(bool v6) {
  return IpAddress::parse(v6 ? "2001:db8:cafe::5" : "203.0.113.5").value();
}
inline std::vector<wire::IpPrefix> responder_prefixes() {
  return {prefix("203.0.113.0/24"), prefix("2001:db8:cafe::/48")};
}
// The initiator's real inner address (anonymity option 2, paper §4.4).
inline IpAddress real_inner_address(size_t customer, bool v6) {
  return SimWorld::customer_address(customer, v6);
}

inline std::unique_ptr<SimWorld> make_world(const WorldSpec& spec) {
  std::string why;
  auto w = SimWorld::make(spec, &why);
  EXPECT_NE(w, nullptr) << why;
  return w;
}

// A line of n AINs (only n is an exit), route length n, an initiator at AIN 1
// (customer 0) and a responder at AIN n (customer 1).
inline WorldSpec line_spec(size_t n, core::Carrier carrier, uint64_t seed) {
  WorldSpec s;
  s.seed = seed;
  s.topo = Topology::line(n);
  s.carrier = carrier;
  s.customers = {{1, {}}, {static_cast<NodeId>(n), responder_prefixes()}};
  s.tweak = [n](core::EngineConfig& c) { c.route_length = n; };
  return s;
}

// 1 -- 2 -- 4 and 1 -- 3 -- 4: two disjoint 3-hop routes, only 4 is an exit;
// an initiator at AIN 1 (customer 0) and a responder at AIN 4 (customer 1).
inline WorldSpec diamond_spec(core::Carrier carrier, uint64_t seed) {
  WorldSpec s;
  s.seed = seed;
  s.carrier = carrier;
  s.topo.n = 4;
  s.topo.add_edge(1, 2);
  s.topo.add_edge(2, 4);
  s.topo.add_edge(1, 3);
  s.topo.add_edge(3, 4);
  s.topo.exits = {4};
  s.customers = {{1, {}}, {4, responder_prefixes()}};
  return s;
}

inline std::vector<size_t> state_sizes(SimWorld& w) {
  std::vector<size_t> s;
  for (NodeId id = 1; id <= w.size(); ++id) s.push_back(w.ain(id).engine().state_size());
  return s;
}

// Datagram seen at the exit's TUN with the source rewritten to `pool`: the
// same bytes as the sent one would have with that source (checksums fixed).
inline Bytes with_source(const Flow& f, const IpAddress& src, ByteSpan payload) {
  Flow g = f;
  g.src = src;
  return make_udp_datagram(g, payload);
}

// The UDP payload of a sim datagram (to rebuild expected packets).
inline Bytes udp_payload(ByteSpan pkt) {
  auto info = wire::parse_ip_packet(pkt);
  if (!info) return {};
  ByteSpan udp = pkt.subspan(info->payload_offset);
  return Bytes(udp.begin() + wire::kUdpHeaderLen, udp.end());
}

// Exit local deliveries by flow tag.
inline std::map<uint32_t, std::vector<Bytes>> local_by_tag(const SimAin& exit) {
  std::map<uint32_t, std::vector<Bytes>> m;
  for (const Bytes& d : exit.local) {
    if (auto id = identify(d)) m[id->tag].push_back(d);
  }
  return m;
}

// Answers every datagram delivered locally at `exit` since index `from`
// (swaps addresses/ports, payload tagged seq+1000), as the Internet host would.
inline size_t answer_local(SimAin& exit, size_t from = 0) {
  size_t n = 0;
  for (size_t i = from; i < exit.local.size(); ++i) {
    auto id = identify(exit.local[i]);
    if (!id) continue;
    Flow back{id->dst, id->src, id->dport, id->sport};
    exit.local_reply(make_udp_datagram(back, sim_payload(id->tag, id->seq + 1000, 120)));
    ++n;
  }
  return n;
}

// Customer datagrams received, by tag.
inline std::map<uint32_t, std::vector<Bytes>> received_by_tag(const SimCustomer& c) {
  std::map<uint32_t, std::vector<Bytes>> m;
  for (const Bytes& d : c.received) {
    if (auto id = identify(d)) m[id->tag].push_back(d);
  }
  return m;
}

// Unlinkability check: "" if no 8-byte substring of a appears in b, else a
// description of the first one found (offsets in a and b, and the bytes).
inline std::string shared_8byte_substring(ByteSpan a, ByteSpan b) {
  if (a.size() < 8 || b.size() < 8) return {};
  std::unordered_map<uint64_t, size_t> seen;
  for (size_t i = 0; i + 8 <= a.size(); ++i) seen.emplace(load_be64(&a[i]), i);
  for (size_t i = 0; i + 8 <= b.size(); ++i) {
    auto it = seen.find(load_be64(&b[i]));
    if (it != seen.end()) {
      return "bytes " + to_hex(b.subspan(i, 8)) + " at offset " + std::to_string(it->second) +
             " on one link and " + std::to_string(i) + " on the next";
    }
  }
  return {};
}

// The IPsec part of a packet on the wire (AH/ESP onwards): without the outer
// IP header on the ip carrier, the whole UDP payload on the udp carrier.
inline ByteSpan ipsec_part(ByteSpan pkt, core::Carrier carrier) {
  if (carrier == core::Carrier::udp) return pkt;
  auto info = wire::parse_ip_packet(pkt);
  return info ? pkt.subspan(info->payload_offset) : pkt;
}

// Records of one class on the link from -> to (in send order).
inline std::vector<const PacketRecord*> packets_on(const SimNetwork& net, const IpAddress& from,
                                                   const IpAddress& to, PacketClass cls) {
  std::vector<const PacketRecord*> v;
  for (const auto& r : net.records()) {
    if (r.from == from && r.to == to && r.cls == cls && !r.injected) v.push_back(&r);
  }
  return v;
}

// Every recorded packet of class cls has the same length; returns it (0 if none).
inline size_t uniform_length(const SimNetwork& net, PacketClass cls) {
  size_t len = 0;
  for (const auto& r : net.records()) {
    if (r.cls != cls || r.injected) continue;
    if (len == 0) len = r.length;
    EXPECT_EQ(r.length, len) << "packet of class " << int(cls) << " from " << r.from.to_string()
                             << " to " << r.to.to_string();
  }
  return len;
}

// The ANT a given AIN holds (exactly one expected).
inline core::AntInfo only_ant(SimAin& a) {
  auto v = a.engine().ants();
  EXPECT_EQ(v.size(), 1u) << "at AIN " << a.id();
  return v.empty() ? core::AntInfo{} : v.front();
}

}  // namespace ainet::sim
