// Topologies for the simulation (line, ring, random graph of a given degree)
// and everything the AINs of a topology share: identity and onion keys, PVT
// manual keys for every edge, addresses, and the text of the directory body
// (docs/protocol.md "Directory"). All keys come from a DeterministicRng, so
// a topology is a pure function of its seed.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/engine_api.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "util/bytes.h"
#include "wire/ip_address.h"

namespace ainet::sim {

using core::NodeId;
using wire::IpAddress;

// Undirected PVT graph over AIN ids 1..n.
struct Topology {
  size_t n = 0;
  std::set<std::pair<NodeId, NodeId>> edges;  // (a, b) with a < b
  std::set<NodeId> exits;                     // AINs with a non-empty exit policy

  void add_edge(NodeId a, NodeId b) {
    if (a == b) return;
    edges.insert({std::min(a, b), std::max(a, b)});
  }
  bool has_edge(NodeId a, NodeId b) const {
    return edges.count({std::min(a, b), std::max(a, b)}) != 0;
  }
  std::vector<NodeId> neighbours(NodeId a) const {
    std::vector<NodeId> out;
    for (const auto& [x, y] : edges) {
      if (x == a) out.push_back(y);
      if (y == a) out.push_back(x);
    }
    return out;
  }

  // 1 - 2 - ... - n; only n is an exit, so the only route from 1 is the line.
  static Topology line(size_t n) {
    Topology t;
    t.n = n;
    for (NodeId i = 1; i < n; ++i) t.add_edge(i, i + 1);
    t.exits.insert(static_cast<NodeId>(n));
    return t;
  }
  // 1 - 2 - ... - n - 1; every AIN is an exit.
  static Topology ring(size_t n) {
    Topology t;
    t.n = n;
    for (NodeId i = 1; i <= n; ++i) t.add_edge(i, i % n + 1);
    for (NodeId i = 1; i <= n; ++i) t.exits.insert(i);
    return t;
  }
  // Connected random graph: a ring (for connectivity) plus random chords
  // until the average degree reaches `degree`. Every AIN is an exit.
  static Topology random(size_t n, size_t degree, crypto::Rng& rng) {
    Topology t = ring(n);
    const size_t want = std::max<size_t>(n, n * degree / 2);
    size_t guard = 0;
    while (t.edges.size() < want && guard++ < want * 100) {
      NodeId a = static_cast<NodeId>(rng.uniform(n) + 1);
      NodeId b = static_cast<NodeId>(rng.uniform(n) + 1);
      t.add_edge(a, b);
    }
    return t;
  }
};

// Key material and addresses of one AIN.
struct AinIdentity {
  NodeId id = 0;
  IpAddress address;
  crypto::X25519KeyPair onion;
  crypto::Ed25519KeyPair identity;
};

// One direction of a PVT's manual keys, as configured on both ends.
inline core::BundleKeys random_bundle_keys(crypto::Rng& rng) {
  core::BundleKeys k;
  // RFC 4303 §2.1: SPIs 1..255 are reserved; keep clear of them.
  k.esp_spi = 0x1000 + static_cast<uint32_t>(rng.uniform(0xF0000000u));
  k.esp_key.resize(36);  // AES-256-GCM key || salt (RFC 4106 §8.1)
  rng.fill(k.esp_key);
  k.ah_spi = 0x1000 + static_cast<uint32_t>(rng.uniform(0xF0000000u));
  k.ah_key.resize(32);  // HMAC-SHA-256 (RFC 4868)
  rng.fill(k.ah_key);
  return k;
}

// Address of AIN `id` (ids up to 65535): 10.0.hi.lo or fd00::hi:lo.
inline IpAddress ain_address(NodeId id, bool v6) {
  if (!v6) return IpAddress::v4(0x0A000000u | (id & 0xFFFF));
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[14] = static_cast<uint8_t>(id >> 8);
  b[15] = static_cast<uint8_t>(id);
  return IpAddress::v6(b);
}

// Everything shared by the AINs of one simulated network.
struct NetworkKeys {
  Topology topo;
  std::vector<AinIdentity> ains;  // index id-1
  crypto::Ed25519KeyPair authority;
  // PVT keys per ordered pair (a -> b) and the shared TVT secret per edge.
  std::map<std::pair<NodeId, NodeId>, core::BundleKeys> pvt_dir;
  std::map<std::pair<NodeId, NodeId>, Bytes> tvt_secret;
  // Hex DER SubjectPublicKeyInfo published as every AIN's ticket_key
  // (docs/protocol.md "Tickets"); empty = none.
  std::string ticket_key_hex;

  static NetworkKeys make(const Topology& topo, crypto::Rng& rng, bool v6_outer = false) {
    NetworkKeys k;
    k.topo = topo;
    k.authority = crypto::ed25519_generate(rng);
    for (NodeId id = 1; id <= topo.n; ++id) {
      AinIdentity a;
      a.id = id;
      a.address = ain_address(id, v6_outer);
      a.onion = crypto::x25519_generate(rng);
      a.identity = crypto::ed25519_generate(rng);
      k.ains.push_back(std::move(a));
    }
    for (const auto& [a, b] : topo.edges) {
      k.pvt_dir[{a, b}] = random_bundle_keys(rng);
      k.pvt_dir[{b, a}] = random_bundle_keys(rng);
      Bytes s(32);
      rng.fill(s);
      k.tvt_secret[{a, b}] = std::move(s);
    }
    return k;
  }

  const AinIdentity& ain(NodeId id) const { return ains.at(id - 1); }

  std::vector<core::PvtConfig> pvts_of(NodeId self) const {
    std::vector<core::PvtConfig> out;
    for (NodeId peer : topo.neighbours(self)) {
      core::PvtConfig p;
      p.peer = peer;
      p.out = pvt_dir.at({self, peer});
      p.in = pvt_dir.at({peer, self});
      p.tvt_secret = tvt_secret.at({std::min(self, peer), std::max(self, peer)});
      out.push_back(std::move(p));
    }
    return out;
  }

  // Every SPI configured on a PVT (to tell signaling from data on the wire).
  std::set<uint32_t> pvt_spis() const {
    std::set<uint32_t> s;
    for (const auto& [dir, keys] : pvt_dir) {
      s.insert(keys.esp_spi);
      s.insert(keys.ah_spi);
    }
    return s;
  }

  // The directory body (everything before the signature line).
  std::string directory_body(int64_t expires_unix) const {
    std::string s = "version = 1\nexpires = " + std::to_string(expires_unix) + "\n";
    for (const AinIdentity& a : ains) {
      s += "\n[[ain]]\n";
      s += "id = " + std::to_string(a.id) + "\n";
      s += "name = \"ain" + std::to_string(a.id) + "\"\n";
      s += "address = \"" + a.address.to_string() + "\"\n";
      s += "identity_key = \"" + to_hex(a.identity.pub) + "\"\n";
      s += "onion_key = \"" + to_hex(a.onion.pub) + "\"\n";
      s += "neighbours = [";
      bool first = true;
      for (NodeId nb : topo.neighbours(a.id)) {
        s += (first ? "" : ", ") + std::to_string(nb);
        first = false;
      }
      s += "]\n";
      s += topo.exits.count(a.id) ? "exit_policy = [\"0.0.0.0/0\", \"::/0\"]\n"
                                  : "exit_policy = []\n";
      if (!ticket_key_hex.empty()) s += "ticket_key = \"" + ticket_key_hex + "\"\n";
    }
    return s;
  }
};

}  // namespace ainet::sim
