// A whole simulated anonymous Internet: N AINs (one core::Engine each) over a
// topology, with the signed directory they share, their PVT keys, and the
// customers (initiators and registered responders) attached to them. Built
// from a WorldSpec and a seed; the same spec and seed give the same run.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/directory.h"
#include "core/engine.h"
#include "crypto/rng.h"
#include "sim/sim_ain.h"
#include "sim/sim_customer.h"
#include "sim/sim_network.h"
#include "sim/sim_topology.h"
#include "wire/ip_packet.h"

namespace ainet::sim {

struct CustomerSpec {
  NodeId ain = 0;
  std::vector<wire::IpPrefix> serves;  // non-empty: a registered responder
};

struct WorldSpec {
  uint64_t seed = 1;
  Topology topo;
  core::Carrier carrier = core::Carrier::ip;
  bool v6_outer = false;  // AIN and customer tunnel addresses IPv6
  std::vector<CustomerSpec> customers;
  LinkConfig link;  // default for every link
  // The customers' side of their tunnels (shaping, TFC padding).
  CustomerTunnelParams customer_tunnel;
  // Applied to every AIN's config after the harness filled it in.
  std::function<void(core::EngineConfig&)> tweak;
};

// Unix time the directory is loaded at, and its expiry (the engine runs on
// virtual time from 0; the directory check is a separate, fixed clock).
constexpr uint64_t kSimUnixNow = 1'800'000'000;
constexpr uint64_t kSimDirectoryExpires = 1'900'000'000;

// Inner destination prefixes used by the scenarios.
inline wire::IpPrefix prefix(const char* s) { return wire::IpPrefix::parse(s).value(); }

class SimWorld {
 public:
  // Everything or nothing: on failure returns nullptr and fills *why.
  static std::unique_ptr<SimWorld> make(const WorldSpec& spec, std::string* why) {
    auto w = std::unique_ptr<SimWorld>(new SimWorld(spec));
    std::string err = w->build();
    if (!err.empty()) {
      if (why) *why = err;
      return nullptr;
    }
    return w;
  }

  SimNetwork net;
  NetworkKeys keys;
  std::shared_ptr<const core::Directory> directory;

  size_t size() const { return ains_.size(); }
  SimAin& ain(NodeId id) { return *ains_.at(id - 1); }
  SimCustomer& customer(size_t i) { return *customers_.at(i); }
  size_t customer_count() const { return customers_.size(); }
  const core::CustomerConfig& customer_config(size_t i) const { return customer_cfgs_.at(i); }
  core::Carrier carrier() const { return spec_.carrier; }

  void run_for(Duration d) { net.run_for(d); }
  Time now() const { return net.now(); }

  // Address of customer i's tunnel end: 172.16.x.y or fd10::x:y.
  static IpAddress customer_address(size_t i, bool v6) {
    if (!v6) return IpAddress::v4(0xAC100000u | static_cast<uint32_t>(i + 1));
    std::array<uint8_t, 16> b{};
    b[0] = 0xfd;
    b[1] = 0x10;
    b[14] = static_cast<uint8_t>((i + 1) >> 8);
    b[15] = static_cast<uint8_t>(i + 1);
    return IpAddress::v6(b);
  }

  // Classification of a packet on the wire, from configured SPIs only.
  std::pair<PacketClass, uint32_t> classify(ByteSpan pkt) const {
    uint32_t spi = 0;
    if (spec_.carrier == core::Carrier::udp) {
      if (pkt.size() < 8) return {PacketClass::other, 0};
      spi = load_be32(pkt.data());
    } else {
      auto info = wire::parse_ip_packet(pkt);
      if (!info || info->protocol != wire::kProtoAh || pkt.size() < info->payload_offset + 8) {
        return {PacketClass::other, 0};
      }
      spi = load_be32(&pkt[info->payload_offset + 4]);
    }
    if (pvt_spis_.count(spi)) return {PacketClass::signaling, spi};
    if (customer_spis_.count(spi)) return {PacketClass::customer, spi};
    return {PacketClass::data, spi};
  }

  // Sum of a drop counter over all live AINs.
  uint64_t drops(Errc e) {
    uint64_t n = 0;
    for (auto& a : ains_) {
      if (!a->crashed()) n += a->engine().stats().drops.at(static_cast<size_t>(e));
    }
    return n;
  }
  uint64_t total_drops() {
    uint64_t n = 0;
    for (auto& a : ains_) {
      if (!a->crashed()) n += a->total_drops();
    }
    return n;
  }

 private:
  explicit SimWorld(const WorldSpec& spec) : net(spec.seed), spec_(spec) {}

  std::string build() {
    crypto::DeterministicRng rng(spec_.seed ^ 0x5eed0000u);
    keys = NetworkKeys::make(spec_.topo, rng, spec_.v6_outer);
    net.set_default_link(spec_.link);

    auto signed_text = core::sign_directory(keys.directory_body(kSimDirectoryExpires),
                                            keys.authority.priv.span());
    if (!signed_text) return "sign_directory: " + std::string(to_string(signed_text.error()));
    auto load = core::load_directory(*signed_text, keys.authority.pub, kSimUnixNow);
    if (!load.ok()) return "load_directory: " + load.message;
    directory = std::make_shared<const core::Directory>(std::move(load.directory));

    // Customers: keys and per-AIN ids, known before the engines start.
    std::vector<std::vector<core::CustomerConfig>> per_ain(keys.topo.n + 1);
    std::vector<core::RemoteResponder> responders;
    for (size_t i = 0; i < spec_.customers.size(); ++i) {
      const CustomerSpec& cs = spec_.customers[i];
      if (cs.ain == 0 || cs.ain > keys.topo.n) return "customer on unknown AIN";
      core::CustomerConfig cc;
      cc.id = static_cast<uint32_t>(per_ain[cs.ain].size() + 1);
      cc.name = "customer" + std::to_string(i);
      cc.tunnel_address = customer_address(i, spec_.v6_outer);
      cc.out = random_bundle_keys(rng);
      cc.in = random_bundle_keys(rng);
      cc.serves = cs.serves;
      customer_spis_.insert({cc.out.esp_spi, cc.out.ah_spi, cc.in.esp_spi, cc.in.ah_spi});
      if (!cs.serves.empty()) responders.push_back({cs.ain, cc.id, cs.serves});
      per_ain[cs.ain].push_back(cc);
      customer_cfgs_.push_back(cc);
    }
    pvt_spis_ = keys.pvt_spis();
    net.set_classifier([this](ByteSpan p) { return classify(p); });

    for (NodeId id = 1; id <= keys.topo.n; ++id) {
      const AinIdentity& a = keys.ain(id);
      core::EngineConfig cfg;
      cfg.self = id;
      cfg.onion_private = a.onion.priv;
      cfg.carrier = spec_.carrier;
      cfg.pvts = keys.pvts_of(id);
      cfg.customers = per_ain[id];
      // Exit pool: 100.64.0.0/10 split in /20s, and fd99::<id>:0/112.
      cfg.exit_pool.push_back(
          wire::IpPrefix::make(IpAddress::v4(0x64400000u + (id << 12)), 20).value());
      std::array<uint8_t, 16> p6{};
      p6[0] = 0xfd;
      p6[1] = 0x99;
      p6[12] = static_cast<uint8_t>(id >> 8);
      p6[13] = static_cast<uint8_t>(id);
      cfg.exit_pool.push_back(wire::IpPrefix::make(IpAddress::v6(p6), 112).value());
      for (const auto& r : responders) {
        if (r.exit != id) cfg.remote_responders.push_back(r);
      }
      if (spec_.tweak) spec_.tweak(cfg);
      auto ain = std::make_unique<SimAin>(net, id, a.address, spec_.seed * 1000003u + id);
      Errc e = ain->start(std::move(cfg), directory);
      if (e != Errc::ok) return "engine " + std::to_string(id) + ": " + std::string(to_string(e));
      ains_.push_back(std::move(ain));
    }
    for (size_t i = 0; i < customer_cfgs_.size(); ++i) {
      const NodeId at = spec_.customers[i].ain;
      auto c = SimCustomer::make(net, customer_cfgs_[i], keys.ain(at).address, spec_.carrier, rng_,
                                 spec_.customer_tunnel);
      if (!c) return "customer " + std::to_string(i) + " tunnel";
      customers_.push_back(std::move(c));
    }
    return {};
  }

  WorldSpec spec_;
  crypto::DeterministicRng rng_{0xC057};  // customers' randomness (CBC IVs only)
  std::vector<std::unique_ptr<SimAin>> ains_;
  std::vector<std::unique_ptr<SimCustomer>> customers_;
  std::vector<core::CustomerConfig> customer_cfgs_;
  std::set<uint32_t> pvt_spis_, customer_spis_;
};

}  // namespace ainet::sim
