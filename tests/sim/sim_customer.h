// A simulated customer host (initiator or responder, paper §4.4 and §5.1):
// it holds the customer end of the ESP+AH tunnel to its AIN (paper Fig. 4:
// IP | AH | ESP | inner IP), built from the same BundleKeys as the AIN's
// CustomerConfig, and it uses the real SA layer (src/sa) to seal what it
// sends and open what the AIN sends back.
//
// On the udp carrier RFC 3948 cannot carry AH, so the tunnel is the ESP SA
// alone (UDP payload = ESP), as the engine does for its own ESP.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/engine_api.h"
#include "core/flow_shaper.h"
#include "core/shaping_profile.h"
#include "crypto/rng.h"
#include "sa/security_association.h"
#include "sim/sim_network.h"
#include "util/bytes.h"
#include "wire/constants.h"
#include "wire/ip_packet.h"

namespace ainet::sim {

// How the customer tunnel is keyed beyond BundleKeys; must match the engine.
struct CustomerTunnelParams {
  bool esn = false;
  uint32_t replay_window = sa::kDefaultReplayWindow;
  // Customer -> AIN traffic shaping, as ain-endpoint's [shaping] does:
  // datagrams wait for the next slot of `shaping`, a slot with nothing
  // waiting carries a dummy (ESP next header 59, RFC 4303 §2.6).
  core::ShapingProfile shaping;
  size_t queue = 64;  // datagrams waiting for a slot; more are dropped and counted
  // Every ESP payload padded to exactly this many bytes with TFC padding
  // (RFC 4303 §2.7) after the inner datagram; 0 = no padding.
  size_t pad_to = 0;
};

// docs/protocol.md "Customer tunnels": 64-byte control message, ESP next
// header 253: cmd(1)=1 DESTROY || family(1) || reserved(2) || src(16) || dst(16) || zero.
constexpr size_t kCustomerControlSize = 64;
constexpr uint8_t kCustomerControlDestroy = 1;

class SimCustomer final : public Endpoint {
 public:
  // cfg: the AIN's CustomerConfig for this customer (out = AIN -> customer).
  static std::unique_ptr<SimCustomer> make(SimNetwork& net, const core::CustomerConfig& cfg,
                                           const IpAddress& ain, core::Carrier carrier,
                                           crypto::Rng& rng, CustomerTunnelParams params = {}) {
    auto c = std::unique_ptr<SimCustomer>(new SimCustomer(net, cfg, ain, rng));
    const bool udp = carrier == core::Carrier::udp;
    auto esp = [&](const core::BundleKeys& k) {
      sa::SaConfig s;
      s.spi = k.esp_spi;
      s.transform = sa::Transform::esp_aes256_gcm;
      s.keymat.assign(k.esp_key);
      s.framing = udp ? sa::Framing::udp : sa::Framing::bare;
      s.esn = params.esn;
      s.replay_window = params.replay_window;
      s.local = cfg.tunnel_address;
      s.remote = ain;
      return s;
    };
    auto ah = [&](const core::BundleKeys& k) {
      sa::SaConfig s;
      s.spi = k.ah_spi;
      s.transform = sa::Transform::ah_hmac_sha256;
      s.keymat.assign(k.ah_key);
      s.framing = sa::Framing::ip;
      s.esn = params.esn;
      s.replay_window = params.replay_window;
      s.local = cfg.tunnel_address;
      s.remote = ain;
      return s;
    };
    // The customer sends with the AIN's inbound keys and opens with its outbound ones.
    auto oe = sa::SecurityAssociation::create(esp(cfg.in));
    auto ie = sa::SecurityAssociation::create(esp(cfg.out));
    if (!oe || !ie) return nullptr;
    c->out_esp_ = std::move(*oe);
    c->in_esp_ = std::move(*ie);
    if (!udp) {
      auto oa = sa::SecurityAssociation::create(ah(cfg.in));
      auto ia = sa::SecurityAssociation::create(ah(cfg.out));
      if (!oa || !ia) return nullptr;
      c->out_ah_ = std::move(*oa);
      c->in_ah_ = std::move(*ia);
    }
    c->params_ = params;
    if (params.shaping.shaped()) {
      // First slot after a random phase, as the engine starts its flows.
      const Duration per = params.shaping.period(0);
      c->shaper_.start(params.shaping, net.now(),
                       Duration{static_cast<int64_t>(rng.uniform(
                           static_cast<uint32_t>(std::min<int64_t>(per.ns, UINT32_MAX))))});
    }
    net.attach(cfg.tunnel_address, c.get());
    return c;
  }

  const IpAddress& address() const { return cfg_.tunnel_address; }
  const IpAddress& ain() const { return ain_; }
  const core::CustomerConfig& config() const { return cfg_; }

  // Seals one inner IP datagram into the tunnel and puts it on the network
  // (shaped: queues it for the next slot; Errc::limit if the queue is full).
  Status send_datagram(ByteSpan inner) {
    if (params_.shaping.shaped()) {
      shaper_.offer();
      if (queue_.size() >= params_.queue) {
        ++shaper_.queue_drops;
        return Errc::limit;
      }
      queue_.emplace_back(inner.begin(), inner.end());
      return Errc::ok;
    }
    return send_inner(inner);
  }
  // Customer control message DESTROY for the ANT of (src, dst).
  Status send_destroy(const IpAddress& src, const IpAddress& dst) {
    uint8_t msg[kCustomerControlSize] = {};
    msg[0] = kCustomerControlDestroy;
    msg[1] = src.is_v4() ? 4 : 6;
    std::copy(src.bytes().begin(), src.bytes().end(), msg + 4);
    std::copy(dst.bytes().begin(), dst.bytes().end(), msg + 20);
    return send_esp(msg, wire::kProtoOnion);
  }

  // Endpoint: the shaping slots.
  Time next_deadline() const override {
    return params_.shaping.shaped() ? shaper_.next : Time::max();
  }
  void on_timer(Time now) override {
    if (!params_.shaping.shaped()) return;
    // Bounded: each slot moves `next` forward by one period (shaper catch-up
    // is capped), so this ends.
    while (shaper_.next <= now) {
      if (!queue_.empty()) {
        (void)send_inner(queue_.front());
        queue_.erase(queue_.begin());
        ++shaper_.real_sent;
      } else {
        (void)send_esp({}, kProtoDummy);
        ++shaper_.dummy_sent;
      }
      shaper_.advance(params_.shaping, now, queue_.size());
    }
  }
  const core::FlowShaper& shaper() const { return shaper_; }

  void receive(Time /*now*/, const IpAddress& /*src*/, ByteSpan packet) override {
    Bytes buf(packet.begin(), packet.end());
    MutByteSpan esp = buf;
    if (in_ah_) {
      auto a = in_ah_->open(esp);
      if (!a) return count_drop(a.error());
      if (a->next_header != wire::kProtoEsp) return count_drop(Errc::unsupported);
      esp = a->payload;
    }
    auto e = in_esp_->open(esp);
    if (!e) return count_drop(e.error());
    if (e->next_header == wire::kProtoIpv4 || e->next_header == wire::kProtoIpv6) {
      // RFC 4303 §2.7: TFC padding follows the inner datagram; its own
      // length field says where the datagram ends.
      auto info = wire::parse_ip_packet(e->payload);
      if (!info) return count_drop(info.error());
      received.emplace_back(e->payload.begin(), e->payload.begin() + info->total_len);
      received_at.push_back(net_.now());
    } else if (e->next_header == kProtoDummy) {
      ++dummies_received;  // RFC 4303 §2.6: silently discarded
    } else if (e->next_header == wire::kProtoOnion) {
      controls.emplace_back(e->payload.begin(), e->payload.end());
    } else {
      count_drop(Errc::unsupported);
    }
  }

  std::vector<Bytes> received;   // inner datagrams from the AIN, in order
  std::vector<Time> received_at; // when each of them arrived
  uint64_t dummies_received = 0; // dummy packets (next header 59) from the AIN
  std::vector<Bytes> controls;   // control messages from the AIN
  uint64_t drops[kErrcCount] = {};
  uint64_t total_drops() const {
    uint64_t s = 0;
    for (uint64_t d : drops) s += d;
    return s;
  }

 private:
  SimCustomer(SimNetwork& net, const core::CustomerConfig& cfg, const IpAddress& ain,
              crypto::Rng& rng)
      : net_(net), cfg_(cfg), ain_(ain), rng_(rng) {}

  static constexpr uint8_t kProtoDummy = 59;  // RFC 4303 §2.6 dummy packet

  Status send_inner(ByteSpan inner) {
    const uint8_t nh = (inner.size() && (inner[0] >> 4) == 6) ? wire::kProtoIpv6 : wire::kProtoIpv4;
    return send_esp(inner, nh);
  }

  Status send_esp(ByteSpan payload_in, uint8_t nh) {
    // TFC padding (RFC 4303 §2.7) after datagrams, dummies and control
    // messages alike, so every packet has one length.
    Bytes padded;
    ByteSpan payload = payload_in;
    if (params_.pad_to != 0 && payload_in.size() < params_.pad_to) {
      padded.assign(params_.pad_to, 0);
      std::copy(payload_in.begin(), payload_in.end(), padded.begin());
      payload = padded;
    }
    Bytes esp(out_esp_->sealed_size(payload.size()));
    auto n = out_esp_->seal(payload, nh, esp, rng_);
    if (!n) return n.error();
    esp.resize(*n);
    if (!out_ah_) {
      net_.send(cfg_.tunnel_address, ain_, esp);
      return Errc::ok;
    }
    Bytes pkt(out_ah_->sealed_size(esp.size()));
    auto m = out_ah_->seal(esp, wire::kProtoEsp, pkt, rng_);
    if (!m) return m.error();
    pkt.resize(*m);
    net_.send(cfg_.tunnel_address, ain_, pkt);
    return Errc::ok;
  }
  void count_drop(Errc e) { drops[static_cast<size_t>(e)]++; }

  SimNetwork& net_;
  core::CustomerConfig cfg_;
  IpAddress ain_;
  crypto::Rng& rng_;
  std::unique_ptr<sa::SecurityAssociation> out_esp_, in_esp_, out_ah_, in_ah_;
  CustomerTunnelParams params_;
  core::FlowShaper shaper_;
  std::vector<Bytes> queue_;  // harness code: a vector is fine here
};

}  // namespace ainet::sim
