#include "endpoint/endpoint_datapath.h"

#include <cstring>

#include "wire/constants.h"

namespace ainet::endpoint {
namespace {

// The outer source of a whole IPv4 (RFC 791 §3.1: bytes 12..15) or IPv6
// (RFC 8200 §3: bytes 8..23) packet.
std::optional<wire::IpAddress> outer_source(ByteSpan p) {
  if (p.empty()) return std::nullopt;
  const unsigned version = p[0] >> 4;
  if (version == 4 && p.size() >= 20) {
    auto a = wire::IpAddress::from_bytes(p.subspan(12, 4));
    if (a) return *a;
  } else if (version == 6 && p.size() >= 40) {
    auto a = wire::IpAddress::from_bytes(p.subspan(8, 16));
    if (a) return *a;
  }
  return std::nullopt;
}

}  // namespace

Result<EndpointDatapath> EndpointDatapath::create(const EndpointConfig& c) {
  EndpointDatapath d;
  d.carrier_ = c.carrier;
  d.ain_ = c.ain_address;
  d.ike_ = c.ike.enabled;
  if (!d.ike_) {
    // 64 packets of reordering is RFC 4303 §3.4.3's minimum window.
    auto b =
        core::TunnelBundle::create(c.carrier, c.out, c.in, c.tunnel_address, c.ain_address, 64);
    if (!b) return b.error();
    d.bundle_ = std::move(*b);
  }
  d.out_ = std::make_unique<std::array<uint8_t, kMaxPacket>>();
  d.in_ = std::make_unique<std::array<uint8_t, kMaxPacket>>();
  d.pad_ = std::make_unique<std::array<uint8_t, kMaxPacket>>();
  const size_t mtu = static_cast<size_t>(c.tun_mtu);
  d.pad_to_ = c.pad ? std::min(mtu, kMaxPacket / 2 + kMaxPacket / 4) : 0;
  d.dummy_size_ = std::min(mtu, kMaxPacket / 2 + kMaxPacket / 4);
  return d;
}

Status EndpointDatapath::install(const sa::SaConfig& out, const sa::SaConfig& in) {
  if (!ike_) return Errc::unsupported;
  if ((bundle_.keyed() && bundle_.inbound_spi() == in.spi) ||
      (previous_.keyed() && previous_.inbound_spi() == in.spi))
    return Errc::exists;
  auto b = core::TunnelBundle::create_esp(out, in);
  if (!b) return b.error();
  // A third generation: the oldest one's deletion is late or lost.
  if (previous_.keyed()) removed_drops_ += previous_.drops();
  previous_ = std::move(bundle_);
  bundle_ = std::move(*b);
  return Errc::ok;
}

bool EndpointDatapath::remove(uint32_t spi_in) {
  if (previous_.keyed() && previous_.inbound_spi() == spi_in) {
    removed_drops_ += previous_.drops();
    previous_ = core::TunnelBundle();
    return true;
  }
  if (bundle_.keyed() && bundle_.inbound_spi() == spi_in) {
    // The current SA went first (e.g. deleted by the AIN): send on the older
    // one, if any, until a new one comes up.
    removed_drops_ += bundle_.drops();
    bundle_ = std::move(previous_);
    previous_ = core::TunnelBundle();
    return true;
  }
  return false;
}

Result<ByteSpan> EndpointDatapath::outbound(ByteSpan inner, crypto::Rng& rng) {
  // RFC 4303 §2.6: tunnel mode names the inner protocol in Next Header.
  const unsigned version = inner.empty() ? 0 : inner[0] >> 4;
  if (version != 4 && version != 6) {
    ++counters_.bad_inner;
    return Errc::malformed;
  }
  // The addresses: IPv4 bytes 12..19, IPv6 bytes 8..39 (RFC 791 §3.1,
  // RFC 8200 §3). Link-scoped traffic (router solicitations, MLD, mDNS,
  // broadcasts) stays here: an ANT only carries traffic between two hosts.
  const size_t at = version == 4 ? 12 : 8, len = version == 4 ? 4 : 16;
  if (inner.size() < at + 2 * len) {
    ++counters_.bad_inner;
    return Errc::malformed;
  }
  auto src = wire::IpAddress::from_bytes(inner.subspan(at, len));
  auto dst = wire::IpAddress::from_bytes(inner.subspan(at + len, len));
  if (!src || !dst || !src->is_routable_unicast() || !dst->is_routable_unicast()) {
    ++counters_.link_scoped;
    return Errc::unsupported;
  }
  const uint8_t nh = version == 4 ? wire::kProtoIpv4 : wire::kProtoIpv6;
  auto r = seal_padded(inner, nh, rng);
  if (!r) {
    ++counters_.seal_failed;
    return r.error();
  }
  ++counters_.sealed;
  counters_.sealed_bytes += inner.size();
  return *r;
}

Result<ByteSpan> EndpointDatapath::control(const wire::CustomerControl& msg, crypto::Rng& rng) {
  std::array<uint8_t, wire::kCustomerControlSize> body{};
  if (Errc e = wire::serialize_customer_control(msg, MutByteSpan(body)); !ok(e)) return e;
  auto r = seal_padded(ByteSpan(body), wire::kProtoOnion, rng);
  if (!r) {
    ++counters_.seal_failed;
    return r.error();
  }
  return *r;
}

Result<ByteSpan> EndpointDatapath::dummy(crypto::Rng& rng) {
  if (!bundle_.keyed()) {
    ++counters_.no_sa;
    return Errc::not_found;
  }
  std::memset(pad_->data(), 0, dummy_size_);
  auto r = bundle_.seal(ByteSpan(pad_->data(), dummy_size_), wire::kProtoNoNext, MutByteSpan(*out_),
                        rng);
  if (!r) {
    ++counters_.seal_failed;
    return r.error();
  }
  ++counters_.dummies_sent;
  return *r;
}

Result<ByteSpan> EndpointDatapath::seal_padded(ByteSpan payload, uint8_t nh, crypto::Rng& rng) {
  if (!bundle_.keyed()) {
    ++counters_.no_sa;
    return Errc::not_found;
  }
  if (pad_to_ > payload.size()) {
    // RFC 4303 §2.7: the inner header's length (or the control message's
    // fixed size) tells the AIN where the payload ends; zeros follow.
    std::memcpy(pad_->data(), payload.data(), payload.size());
    std::memset(pad_->data() + payload.size(), 0, pad_to_ - payload.size());
    payload = ByteSpan(pad_->data(), pad_to_);
  }
  return bundle_.seal(payload, nh, MutByteSpan(*out_), rng);
}

Result<ByteSpan> EndpointDatapath::inbound(const std::optional<wire::IpAddress>& udp_sender,
                                           ByteSpan packet) {
  if (carrier_ == core::Carrier::udp) {
    if (!udp_sender || *udp_sender != ain_) {
      ++counters_.not_from_ain;
      return Errc::unsupported;
    }
    // RFC 3948 §2.2: a zero "SPI" is the non-ESP marker (IKE); §2.3: a single
    // 0xFF byte is a NAT-keepalive. Neither is ours to open.
    if (packet.size() < 8 || (packet[0] | packet[1] | packet[2] | packet[3]) == 0) {
      ++counters_.not_esp;
      return Errc::unsupported;
    }
  } else {
    auto src = outer_source(packet);
    if (!src || *src != ain_) {
      ++counters_.not_from_ain;
      return Errc::unsupported;
    }
  }
  if (packet.size() > in_->size()) {
    ++counters_.too_big;
    return Errc::malformed;
  }
  // endpoint.ike: the ESP SPI (the first 4 octets of the UDP payload, RFC
  // 3948 §2.1) picks the current child SA or the one it replaced.
  core::TunnelBundle* b = &bundle_;
  if (previous_.keyed() && load_be32(packet.data()) == previous_.inbound_spi()) b = &previous_;
  if (!b->keyed()) {
    ++counters_.no_sa;
    return Errc::not_found;
  }
  std::memcpy(in_->data(), packet.data(), packet.size());
  auto o = b->open(MutByteSpan(in_->data(), packet.size()));
  if (!o) {
    ++counters_.open_failed;
    ++counters_.open_failed_by[static_cast<size_t>(o.error())];
    return o.error();
  }
  if (o->next_header != wire::kProtoIpv4 && o->next_header != wire::kProtoIpv6) {
    ++counters_.not_ip;  // e.g. an RFC 4303 §2.6 dummy packet (next header 59)
    if (o->next_header == wire::kProtoNoNext) ++counters_.dummies_received;
    return Errc::unsupported;
  }
  // RFC 4303 §2.7: TFC padding may follow the datagram; its IPv4 total
  // length (bytes 2..3) or IPv6 payload length (bytes 4..5) + 40 says where
  // it ends. (The kernel would trim it too; the TUN gets exactly the datagram.)
  {
    const ByteSpan p = o->payload;
    size_t len = p.size();
    if (p.size() >= 20 && (p[0] >> 4) == 4)
      len = load_be16(&p[2]);
    else if (p.size() >= 40 && (p[0] >> 4) == 6)
      len = 40 + size_t{load_be16(&p[4])};
    if (len < p.size()) o->payload = o->payload.first(len);
  }
  ++counters_.opened;
  counters_.opened_bytes += o->payload.size();
  return ByteSpan(o->payload);
}

std::optional<uint64_t> EndpointDatapath::packets_in(uint32_t spi_in) const {
  if (bundle_.keyed() && bundle_.inbound_spi() == spi_in) return bundle_.packets_in();
  if (previous_.keyed() && previous_.inbound_spi() == spi_in) return previous_.packets_in();
  return std::nullopt;
}

}  // namespace ainet::endpoint
