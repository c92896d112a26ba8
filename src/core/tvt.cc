// TVTs (paper §4.3, §5.2; docs/protocol.md "TVT data cell"): the per-ANT
// tunnels between neighbouring AINs. Their SPIs and keys, sealing a cell onto
// one, and every cell that arrives on one: an intermediate takes one onion
// layer off and passes it on; the exit (exit.cc) and the entrance
// (entrance.cc) take over the cells that end with them.
#include <algorithm>

#include "core/engine.h"
#include "core/onion.h"
#include "core/tvt_keys.h"
#include "wire/esp.h"

namespace ainet::core {

namespace {

// docs/protocol.md: initial AH sequence numbers are random in [0, 2^62).
uint64_t random_initial_seq(crypto::Rng& rng) {
  return rng.u64() >> 2;
}
// RFC 4303 §2.1 / RFC 4302 §2.4: SPIs 0..255 are reserved.
uint32_t random_wire_spi(crypto::Rng& rng) {
  for (;;) {
    uint32_t s = rng.u32();
    if (s >= wire::kMinValidSpi) return s;
  }
}

}  // namespace

uint32_t Engine::fresh_spi() {
  for (int i = 0; i < 64; ++i) {
    uint32_t s = random_wire_spi(rng_);
    if (!ants_.spi_in_use(s)) return s;
  }
  return 0;
}

Status Engine::offer_tvt(Ant& a, size_t pi, SignalingMessage& c) {
  // Paper §4.3 steps 2 and 3: fresh random SPIs for the new TVT;
  // docs/protocol.md adds the key nonce and random initial sequence numbers.
  c.spi = random_wire_spi(rng_);
  c.spi_bwd = fresh_spi();
  rng_.fill(c.tvt_nonce);
  c.seq_fwd = random_initial_seq(rng_);
  c.seq_bwd = random_initial_seq(rng_);
  if (c.spi_bwd == 0 || !ants_.claim_spi_in_bwd(a, c.spi_bwd)) return Errc::limit;
  a.spi_out_fwd = c.spi;
  a.next_pvt = static_cast<int>(pi);
  // Keyed with the generation the CREATE is about to be sent on
  // (send_signal_msg picks the same one: nothing changes in between).
  const PvtGeneration* g = pvts_[pi].send_gen();
  if (!g) return Errc::invalid_argument;
  return make_tvt(a, false, pi, *g, c.tvt_nonce, c.spi, c.spi_bwd, c.seq_fwd, c.seq_bwd);
}

Status Engine::make_tvt(Ant& a, bool towards_prev, size_t pi, const PvtGeneration& gen,
                        ByteSpan nonce, uint32_t spi_fwd, uint32_t spi_bwd, uint64_t seq_fwd,
                        uint64_t seq_bwd) {
  TvtKeys k;
  if (!gen.keyed()) return Errc::invalid_argument;
  Status st = derive_tvt_keys(cfg_.tvt_integrity, gen.tvt_secret.span(), nonce, spi_fwd, spi_bwd, k);
  if (!ok(st)) return st;
  // DESIGN.md: a random IPv6 outer flow label per TVT, so the label does not
  // link the two links of a hop (RFC 6437 allows any pseudo-random value).
  const uint32_t label = (rng_.u32() & 0xfffff) | 1;
  auto make = [&](uint32_t spi, const Secret<36>& key, uint64_t seq,
                  bool inbound) -> Result<sa::SecurityAssociation> {
    sa::SaConfig c;
    c.spi = spi;
    c.inbound_only = inbound;    // in_fwd / in_bwd only open: no outbound state
    c.outbound_only = !inbound;  // out_fwd / out_bwd only seal: no replay bitmap
    // docs/protocol.md: AH on the ip carrier; integrity-only ESP with the
    // same MAC on udp (RFC 3948 cannot carry AH). ESN, random offset.
    c.transform = tvt_transform(cfg_.carrier, cfg_.tvt_integrity);
    c.framing = cfg_.carrier == Carrier::ip ? sa::Framing::ip : sa::Framing::udp;
    if (!c.keymat.assign(key.span())) return Errc::invalid_argument;
    c.esn = true;
    c.replay_window = cfg_.tvt_replay_window;
    c.initial_seq = seq;
    c.local = self_addr_;
    c.remote = pvts_[pi].address;
    c.flow_label = label;
    return sa::SecurityAssociation::make(c);
  };
  // Towards the previous AIN the forward SA is ours to open (in_fwd) and the
  // backward one ours to seal (out_bwd); towards the next AIN the reverse.
  auto fwd = make(spi_fwd, k.fwd, seq_fwd, towards_prev);
  auto bwd = make(spi_bwd, k.bwd, seq_bwd, !towards_prev);
  if (!fwd) return fwd.error();
  if (!bwd) return bwd.error();
  if (nonce.size() != wire::kTvtNonceSize) return Errc::invalid_argument;
  auto tvt = std::make_unique<TvtSas>(TvtSas{std::move(*fwd), std::move(*bwd)});
  tvt->pvt_gen = gen.number;
  std::copy(nonce.begin(), nonce.end(), tvt->nonce.begin());
  (towards_prev ? a.tvt_prev : a.tvt_next) = std::move(tvt);
  return Errc::ok;
}

void Engine::seal_and_send_tvt(sa::SecurityAssociation& s, size_t pi, ByteSpan cell, Effects& fx) {
  auto n = s.seal(cell, wire::kProtoOnion, tx_, rng_);
  if (!n) return drop(n.error());
  ++stats_.packets_out;
  fx.send_packet(pvts_[pi].address, ByteSpan(tx_.data(), *n));
}

bool Engine::wrap_cell(Time now, Ant& a, bool forward, CellType type, ByteSpan dgram) {
  const uint64_t sealed = forward ? a.ent->route_keys->e2e_sealed : a.exit_keys->e2e_sealed;
  const Errc e = sealed >= cfg_.e2e_seal_limit ? Errc::limit
                 : forward ? wrap_forward(*a.ent->route_keys, type, dgram, rng_, cell_)
                           : wrap_backward(*a.exit_keys, type, dgram, rng_, cell_);
  if (ok(e)) return true;
  if (e == Errc::limit) retire_worn_out(now, a);
  drop(e == Errc::limit ? e : Errc::invalid_argument);
  return false;
}

void Engine::send_cell(Time now, Ant& a, bool forward, size_t datagram_len, Effects& fx) {
  touch(now, a);
  if (forward) {
    ++a.packets_fwd;
    a.bytes_fwd += cell_.size();
    a.datagram_bytes_fwd += datagram_len;
    return seal_and_send_tvt(*a.sa_out_fwd(), static_cast<size_t>(a.next_pvt), cell_, fx);
  }
  ++a.packets_bwd;
  a.bytes_bwd += cell_.size();
  a.datagram_bytes_bwd += datagram_len;
  seal_and_send_tvt(*a.sa_out_bwd(), static_cast<size_t>(a.prev_pvt), cell_, fx);
}

bool Engine::cell_datagram(const Result<CellPayload>& p, uint64_t& datagram_bytes) {
  if (!p) {
    drop(p.error());
    return false;
  }
  if (p->type == CellType::dummy) {
    ++stats_.dummy_cells;
    return false;
  }
  datagram_bytes += p->datagram.size();
  return true;
}

void Engine::on_tvt_packet(Time now, Ant& a, bool forward, const IpAddress& src, MutByteSpan pkt,
                           Effects& fx) {
  sa::SecurityAssociation* in = forward ? a.sa_in_fwd() : a.sa_in_bwd();
  const int from = forward ? a.prev_pvt : a.next_pvt;
  if (!in || from < 0) return drop(Errc::unknown_spi);
  if (src != pvts_[from].address) {
    ++stats_.source_mismatch;
    return drop(Errc::auth_failed);
  }
  auto o = in->open(pkt);
  if (!o) return drop(o.error());
  fx.peer_authenticated(src);
  // Authentic traffic from the neighbour also proves the PVT's peer alive.
  if (pvts_[from].heard(now)) fx.on_event({EventKind::pvt_up, 0, pvts_[from].peer, 0});
  if (o->next_header != wire::kProtoOnion || o->payload.size() != cfg_.cell_size)
    return drop(Errc::malformed);
  // Data before the ANT is up (CREATED not yet passed back) is unexpected.
  if (!a.up) return drop(Errc::unsupported);
  MutByteSpan cell = o->payload;
  // An intermediate cannot tell data from dummies, so every cell keeps its
  // ANT alive there; the entrance and the exit count only real data
  // (entrance_cell, exit_cell) and tear an idle ANT down for everyone.
  if (a.role == Role::intermediate) touch(now, a);

  if (forward) {
    ++a.packets_fwd;
    a.bytes_fwd += cell.size();
    if (a.role == Role::intermediate) {
      // Paper §5.2: one layer off, then on to the next TVT.
      if (!ok(relay_forward(*a.hop_keys, cell))) return drop(Errc::crypto_error);
      return seal_and_send_tvt(*a.sa_out_fwd(), static_cast<size_t>(a.next_pvt), cell, fx);
    }
    if (a.role != Role::exit) return drop(Errc::unsupported);
    return exit_cell(now, a, cell, fx);
  }

  ++a.packets_bwd;
  a.bytes_bwd += cell.size();
  if (a.role == Role::intermediate) {
    if (!ok(relay_backward(*a.hop_keys, cell))) return drop(Errc::crypto_error);
    return seal_and_send_tvt(*a.sa_out_bwd(), static_cast<size_t>(a.prev_pvt), cell, fx);
  }
  if (a.role != Role::entrance) return drop(Errc::unsupported);
  entrance_cell(now, a, cell, fx);
}

}  // namespace ainet::core
