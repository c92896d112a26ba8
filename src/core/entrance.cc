// The entrance's data path (paper §4.4, Table 1, Fig. 7): packets from the
// customer tunnels, datagrams wrapped in every onion layer onto the ANT's
// first TVT, customer DESTROY requests, and cells coming back, unwrapped and
// sent to the customer.
#include <algorithm>

#include "core/address_rewrite.h"
#include "core/engine.h"
#include "core/onion.h"
#include "wire/ip_packet.h"
#include "wire/signaling.h"

namespace ainet::core {

void Engine::on_customer_packet(Time now, size_t ci, const IpAddress& src, MutByteSpan pkt,
                                Effects& fx) {
  Customer& c = customers_[ci];
  // Paper §4.4 step 2: the entrance accepts only its registered customers,
  // authenticated by their tunnel SAs and their real address.
  // An IKE customer mid-rekey: the replaced SA is still accepted (RFC 7296
  // §2.8). The udp carrier's packet starts with the ESP SPI (RFC 3948 §2.1).
  TunnelBundle& b = c.previous.keyed() && pkt.size() >= 4 &&
                            load_be32(pkt.data()) == c.previous.inbound_spi()
                        ? c.previous
                        : c.bundle;
  auto o = open_tunnel(b, c.cfg.tunnel_address, src, pkt, c.drops);
  if (!o) return;
  ++c.packets_in;
  fx.peer_authenticated(src);
  switch (o->next_header) {
    case wire::kProtoIpv4:
    case wire::kProtoIpv6:
      return customer_datagram(now, ci, o->payload, fx);
    case wire::kProtoOnion:
      return customer_control(now, ci, o->payload, fx);
    case wire::kProtoNoNext:
      // RFC 4303 §2.6 dummy packet (the customer's shaping): discarded.
      ++c.dummies_in;
      ++stats_.customer_dummies_in;
      return;
    default:
      ++c.drops;
      return drop(Errc::unsupported);
  }
}

void Engine::send_forward(Time now, Ant& a, ByteSpan dgram, Effects& fx) {
  if (a.shaped) {
    // Shaped: the datagram waits for the ANT's next slot (shaping.cc).
    touch(now, a);
    a.datagram_bytes_fwd += dgram.size();
    return shaping_enqueue(a, dgram);
  }
  // Paper Fig. 7: nested encryption, K_n innermost (onion.h).
  if (!wrap_cell(now, a, true, CellType::data, dgram)) return;
  send_cell(now, a, true, dgram.size(), fx);
}

void Engine::customer_datagram(Time now, size_t ci, MutByteSpan dgram, Effects& fx) {
  auto info = wire::parse_ip_packet(dgram);
  if (!info) return drop(info.error());
  // RFC 4303 §2.7: TFC padding may follow the datagram; its own length says
  // where it ends.
  dgram = dgram.first(info->total_len);
  // Sizes beyond one cell are refused (every cell is the same size).
  if (dgram.size() > max_datagram_) return drop(Errc::limit);
  // RFC 4301 §5.2: an IKE customer's SA was negotiated for its CP address
  // only (TSi narrowed to it); any other inner source is refused.
  if (const auto& allowed = customers_[ci].ike_inner;
      !allowed.empty() && std::find(allowed.begin(), allowed.end(), info->src) == allowed.end()) {
    ++customers_[ci].drops;
    ++stats_.source_mismatch;
    return drop(Errc::auth_failed);
  }
  // Link-scoped traffic of the customer's host (router solicitations, MLD,
  // mDNS, broadcasts) has no business on another network: no ANT for it.
  if (!info->src.is_routable_unicast() || !info->dst.is_routable_unicast()) {
    ++stats_.not_routable;
    return drop(Errc::unsupported);
  }
  // A registered responder answering over an ANT that ends here (Table 3).
  if (Ant* x = ants_.find_exit(ExitKey{static_cast<uint32_t>(ci) + 1, info->dst, info->src})) {
    if (x->rewritten && !ok(rewrite_address(dgram, AddressField::destination, x->inner_src)))
      return drop(Errc::malformed);
    return send_backward(now, *x, dgram, fx);
  }
  // Otherwise the customer is an initiator (Table 1): within its quota of
  // datagrams per time slice (paper §5.4 "Ticket"), onto its ANT for this
  // pair, created on the first datagram.
  if (!within_cell_quota(now, customers_[ci])) return;
  Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(ci), info->src, info->dst});
  if (!a) {
    Errc why = Errc::ok;
    a = start_ant(now, ci, info->src, info->dst, fx, &why);
    if (!a) return drop(why);
  }
  if (!a->up) {
    if (!a->ent->pending.push(dgram)) {
      ++stats_.pending_dropped;
      drop(Errc::limit);
    }
    return;
  }
  send_forward(now, *a, dgram, fx);
}

void Engine::customer_control(Time now, size_t ci, ByteSpan msg, Effects& fx) {
  // A padded customer link (RFC 4303 §2.7) sends the 64-byte message, then
  // TFC padding.
  if (msg.size() > wire::kCustomerControlSize) msg = msg.first(wire::kCustomerControlSize);
  auto m = wire::parse_customer_control(msg);
  if (!m) return drop(m.error());
  // Paper §4.5: the initiator (at its entrance) or the responder (at its
  // exit) asks for DESTROY; it runs along the whole ANT.
  if (Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(ci), m->src, m->dst}))
    return teardown(now, *a, SignalReason::requested, false, true, fx);
  if (Ant* x = ants_.find_exit(ExitKey{static_cast<uint32_t>(ci) + 1, m->dst, m->src}))
    return teardown(now, *x, SignalReason::requested, true, false, fx);
  ++stats_.unknown_destroy;
  drop(Errc::not_found);
}

void Engine::entrance_cell(Time now, Ant& a, MutByteSpan cell, Effects& fx) {
  // Paper §4.4: the entrance removes every layer and sends the datagram to
  // the customer through its ESP+AH tunnel.
  auto p = open_backward(*a.ent->route_keys, cell);
  if (!cell_datagram(p, a.datagram_bytes_bwd)) return;  // dropped, or a dummy
  if (a.cover) return drop(Errc::unsupported);          // a cover ANT carries no data
  touch(now, a);  // only real data keeps an ANT alive at its ends
  auto info = wire::parse_ip_packet(p->datagram);
  if (!info) return drop(info.error());
  send_to_customer(customers_[a.customer], p->datagram, info->family, fx);
}

void Engine::send_to_customer(Customer& c, ByteSpan dgram, wire::IpFamily family, Effects& fx) {
  if (cfg_.shaping.customer.shaped()) {
    // Shaped customer link: the datagram waits for the link's next slot.
    c.shaper.offer();
    if (c.queue.size >= cfg_.shaping.queue || !cell_pool_.push(c.queue, dgram)) {
      ++c.shaper.queue_drops;
      ++stats_.queue_drops;
      drop(Errc::limit);
    }
    return;
  }
  seal_to_customer(c, dgram, wire::tunnel_next_header(family), fx);
}

}  // namespace ainet::core
