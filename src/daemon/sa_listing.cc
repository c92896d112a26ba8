#include "daemon/sa_listing.h"

namespace ainet::daemon {
namespace {

// docs/pcap.md names: the bundles are AES-256-GCM ESP with a 16-byte ICV
// (RFC 4106) under HMAC-SHA-256-128 AH (RFC 4868); TVTs are AH, or
// integrity-only ESP on the udp carrier, with AES-256-GMAC (RFC 4543) or the
// same HMAC (docs/protocol.md "TVT data cell").
constexpr const char* kBundleEnc = "aes256-gcm16";
constexpr const char* kMac = "hmac-sha256-128";
constexpr const char* kGmac = "aes-gmac-256";

std::string key_text(ByteSpan key, bool with_keys) { return with_keys ? to_hex(key) : "-"; }

std::string encap(const AindConfig& cfg) {
  if (cfg.engine.carrier == core::Carrier::ip) return "none";
  const std::string p = std::to_string(cfg.udp_port);
  return "udp:" + p + ":" + p;  // RFC 3948 §3.1: port 4500 by default, both ends
}

// The two or four SAs of a manual-keyed ESP(+AH) bundle with one peer.
void bundle_rows(std::vector<SaRow>& out, const AindConfig& cfg, const char* kind, const std::string& link,
                 uint32_t peer, const core::BundleKeys& keys, bool inbound, const std::string& self,
                 const std::string& other, bool with_keys) {
  SaRow esp;
  esp.kind = kind;
  esp.link = link;
  esp.proto = "esp";
  esp.src = inbound ? other : self;
  esp.dst = inbound ? self : other;
  esp.spi = keys.esp_spi;
  esp.encap = encap(cfg);
  esp.enc = kBundleEnc;
  esp.enc_key = key_text(keys.esp_key, with_keys);
  esp.auth = "none";
  esp.auth_key = "-";
  esp.inbound = inbound;
  esp.peer = peer;
  out.push_back(esp);
  // RFC 3948 carries ESP only: the udp carrier's bundles have no AH.
  if (cfg.engine.carrier != core::Carrier::ip) return;
  SaRow ah = esp;
  ah.proto = "ah";
  ah.spi = keys.ah_spi;
  ah.enc = "none";
  ah.enc_key = "-";
  ah.auth = kMac;
  ah.auth_key = key_text(keys.ah_key, with_keys);
  out.push_back(ah);
}

}  // namespace

std::vector<SaRow> list_sa_rows(const AindConfig& cfg, const core::Engine& engine, const core::Directory& dir,
                                bool with_keys) {
  std::vector<SaRow> out;
  const core::AinEntry* me = dir.find(cfg.engine.self);
  const std::string self = me ? me->address.to_string() : std::string("-");
  auto ain_name = [&](core::NodeId id) {
    const core::AinEntry* e = dir.find(id);
    return e && !e->name.empty() ? e->name : "ain" + std::to_string(id);
  };
  for (const core::PvtInfo& p : engine.pvts())
    for (const core::PvtConfig& pc : cfg.engine.pvts) {
      // IKE PVTs have no configured keys; `ainctl ike` lists their SAs.
      if (pc.peer != p.peer || pc.ike) continue;
      const std::string other = p.address.to_string();
      bundle_rows(out, cfg, "pvt", ain_name(p.peer), p.peer, pc.out, false, self, other, with_keys);
      bundle_rows(out, cfg, "pvt", ain_name(p.peer), p.peer, pc.in, true, self, other, with_keys);
    }
  for (const core::CustomerConfig& c : cfg.engine.customers) {
    // IKE customers have no configured keys; `ainctl ike` lists their SAs.
    if (c.ike) continue;
    const std::string other = c.tunnel_address.to_string();
    bundle_rows(out, cfg, "customer", c.name, c.id, c.out, false, self, other, with_keys);
    bundle_rows(out, cfg, "customer", c.name, c.id, c.in, true, self, other, with_keys);
  }
  for (const core::TvtSaInfo& t : engine.tvt_sas(with_keys)) {
    SaRow r;
    r.kind = "tvt";
    r.link = ain_name(t.peer);
    const bool ip = t.carrier == core::Carrier::ip;
    r.proto = ip ? "ah" : "esp";
    r.src = t.src.to_string();
    r.dst = t.dst.to_string();
    r.spi = t.spi;
    r.encap = encap(cfg);
    r.enc = "none";
    r.enc_key = "-";
    r.auth = t.integrity == core::TvtIntegrity::aes256_gmac ? kGmac : kMac;
    r.auth_key = t.key ? to_hex(t.key->span()) : "-";
    r.inbound = t.inbound;
    r.esn = true;
    r.seq = t.seq;
    r.ant = t.ant;
    r.peer = t.peer;
    r.direction = t.forward ? "fwd" : "bwd";
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ainet::daemon
