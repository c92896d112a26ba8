// The exit's data path (paper §4.4, §5.3, Table 3; docs/protocol.md "Exit
// delivery"): the datagram of the last cell goes to the exit's TUN, with its
// source rewritten to a pool address, or unchanged into a registered
// responder's tunnel; replies from the TUN go back onto the ANT.
#include <cstring>

#include "core/address_rewrite.h"
#include "core/engine.h"
#include "core/onion.h"
#include "wire/ip_packet.h"

namespace ainet::core {

void Engine::exit_cell(Time now, Ant& a, MutByteSpan cell, Effects& fx) {
  auto p = open_forward(*a.exit_keys, cell);
  if (!cell_datagram(p, a.datagram_bytes_fwd)) return;  // dropped, or a dummy
  touch(now, a);  // only real data keeps an ANT alive at its ends
  exit_deliver(now, a, p->datagram, fx);
}

void Engine::exit_deliver(Time now, Ant& a, MutByteSpan dgram, Effects& fx) {
  auto info = wire::parse_ip_packet(dgram);
  if (!info) return drop(info.error());
  if (!a.bound) {
    // The first datagram fixes the ANT's inner pair (CREATE does not carry it).
    a.inner_src = info->src;
    a.inner_dst = info->dst;
    a.exposed_src = info->src;
    if (a.deliver_to_responder) {
      const auto& serves = customers_[a.responder].cfg.serves;
      bool in = serves.empty();
      for (const auto& p : serves) in = in || p.contains(info->dst);
      if (!in) return drop(Errc::not_found);
      ExitKey k{a.responder + 1, info->src, info->dst};
      if (ants_.find_exit(k)) {
        // Another live ANT already uses this source towards this responder.
        auto addr = pool_.acquire(info->family, rng_);
        if (!addr) return drop(Errc::exists);
        a.exposed_src = *addr;
        a.rewritten = true;
        a.owns_pool_address = true;
        k.local_side = *addr;
      }
      if (!ants_.bind_exit(a, k)) return drop(Errc::exists);
    } else if (pool_.serves(info->family)) {
      auto addr = pool_.acquire(info->family, rng_);
      if (!addr) return drop(addr.error());
      a.exposed_src = *addr;
      a.rewritten = true;
      ants_.bind_pool(a, *addr);
    } else if (!ants_.bind_exit(a, ExitKey{0, info->src, info->dst})) {
      return drop(Errc::exists);  // same pair on another ANT and no pool to separate them
    }
    a.bound = true;
  } else if (info->src != a.inner_src || info->dst != a.inner_dst) {
    return drop(Errc::unsupported);  // one ANT carries one inner pair
  }
  if (a.rewritten && !ok(rewrite_address(dgram, AddressField::source, a.exposed_src)))
    return drop(Errc::malformed);
  (void)now;
  if (a.deliver_to_responder)
    return send_to_customer(customers_[a.responder], dgram, info->family, fx);
  ++stats_.delivered_local;
  fx.deliver_local(dgram);
}

void Engine::handle_local(Time now, ByteSpan datagram, Effects& fx) {
  ++stats_.packets_in;
  if (datagram.size() > max_datagram_) return drop(Errc::limit);
  auto info = wire::parse_ip_packet(datagram);
  if (!info) return drop(info.error());
  Ant* a = ants_.find_exit_by_pool(info->dst);
  if (!a) a = ants_.find_exit(ExitKey{0, info->dst, info->src});
  if (!a || !a->up) return drop(Errc::not_found);
  std::memcpy(rx_.data(), datagram.data(), datagram.size());
  MutByteSpan d(rx_.data(), datagram.size());
  if (a->rewritten && !ok(rewrite_address(d, AddressField::destination, a->inner_src)))
    return drop(Errc::malformed);
  send_backward(now, *a, d, fx);
}

void Engine::send_backward(Time now, Ant& a, MutByteSpan dgram, Effects& fx) {
  if (!a.up || a.prev_pvt < 0) return drop(Errc::not_found);
  if (a.shaped) {
    // Shaped: the datagram waits for the ANT's next slot (shaping.cc).
    touch(now, a);
    a.datagram_bytes_bwd += dgram.size();
    return shaping_enqueue(a, dgram);
  }
  if (!wrap_cell(now, a, false, CellType::data, dgram)) return;
  send_cell(now, a, false, dgram.size(), fx);
}

}  // namespace ainet::core
