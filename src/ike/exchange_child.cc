// Child SAs (RFC 7296 §1.3.1 new child, §1.3.3/§2.8 rekey, §2.17 KEYMAT):
// the responder's answer (shared with IKE_AUTH), installing and removing
// children, CREATE_CHILD_SA in both roles, and the simultaneous-rekey rule
// of §2.8.1.
#include <algorithm>

#include "ike/engine_impl.h"
#include "ike/ts_narrowing.h"

namespace ainet::ike {
namespace {

std::vector<TrafficSelector> hosts(const std::optional<wire::IpAddress>& v4,
                                   const std::optional<wire::IpAddress>& v6) {
  std::vector<TrafficSelector> out;
  if (v4) out.push_back(TrafficSelector::host(*v4));
  if (v6) out.push_back(TrafficSelector::host(*v6));
  return out;
}

bool requests(const ConfigPayload& cp, CfgAttr a) {
  for (const CfgAttribute& x : cp.attributes)
    if (x.type == static_cast<uint16_t>(a)) return true;
  return false;
}

// §3.15.1: the address a non-empty INTERNAL_IP4/6_ADDRESS asks for (IPv6:
// 16 octets + prefix length), if any.
std::optional<wire::IpAddress> requested(const ConfigPayload& cp, CfgAttr a, size_t len) {
  for (const CfgAttribute& x : cp.attributes)
    if (x.type == static_cast<uint16_t>(a) && x.value.size() >= len)
      if (auto ip = wire::IpAddress::from_bytes(x.value.first(len))) return *ip;
  return std::nullopt;
}

}  // namespace

uint32_t IkeEngine::Impl::answer_child(Time now, IkeSa& sa, const DecodedPayloads& p,
                                       bool in_ike_auth, ByteSpan ni, ByteSpan nr, ByteSpan shared,
                                       uint32_t replaces, PayloadChainWriter& w, Bytes& inner,
                                       Effects& fx) {
  const PeerConfig& pc = *peer_of(sa);
  auto refuse = [&](NotifyType t) -> uint32_t {
    ++counters.child_sas_failed;
    ++counters.errors_sent[static_cast<uint16_t>(t) & 63];
    add_notify(w, inner, t);
    return 0;
  };
  // §3.15: the inner address is assigned in IKE_AUTH; later children of the
  // same IKE SA keep it.
  std::optional<wire::IpAddress> new4, new6;
  if (in_ike_auth && pc.assign_address) {
    if (!p.cp || p.cp->cfg_type != static_cast<uint8_t>(CfgType::request))
      return refuse(NotifyType::failed_cp_required);  // §3.10.1
    if (requests(*p.cp, CfgAttr::internal_ip4_address))
      new4 = pool4.lease(sa.handle, requested(*p.cp, CfgAttr::internal_ip4_address, 4));
    if (requests(*p.cp, CfgAttr::internal_ip6_address))
      new6 = pool6.lease(sa.handle, requested(*p.cp, CfgAttr::internal_ip6_address, 16));
    if (!new4 && !new6) return refuse(NotifyType::internal_address_failure);  // §3.15.4
  }
  auto release = [&] {
    if (new4) pool4.release(*new4);
    if (new6) pool6.release(*new6);
  };
  auto suite = select_esp_proposal(*p.sa, config.proposals, in_ike_auth, p.ke.has_value());
  if (!suite) {
    release();
    return refuse(NotifyType::no_proposal_chosen);
  }
  // An inner address from CP pins its owner's side of every child SA: the
  // peer's (TSi) when we assigned it, ours (TSr) when we were given it.
  std::vector<TrafficSelector> remote_allowed = pc.remote_ts, local_allowed = pc.local_ts;
  if (new4 || new6) {
    remote_allowed = hosts(new4, new6);
  } else if (sa.vip4 || sa.vip6) {
    (pc.assign_address ? remote_allowed : local_allowed) = hosts(sa.vip4, sa.vip6);
  }
  std::vector<TrafficSelector> tsi = narrow(*p.tsi, remote_allowed);
  std::vector<TrafficSelector> tsr = narrow(*p.tsr, local_allowed);
  if (tsi.empty() || tsr.empty()) {
    release();
    return refuse(NotifyType::ts_unacceptable);  // §2.9
  }
  auto keys =
      derive_child_sa_keys(sa.keys.sk_d.span(), shared, ni, nr, esp_keymat_len(suite->key_bits));
  if (!keys) {
    release();
    return refuse(NotifyType::no_proposal_chosen);
  }
  const uint32_t spi_in = fresh_child_spi();
  if (new4 || new6) {
    sa.vip4 = new4;
    sa.vip6 = new6;
    std::vector<CfgAttributeOut> attrs;
    if (new4) {
      attrs.push_back({static_cast<uint16_t>(CfgAttr::internal_ip4_address),
                       Bytes(new4->bytes().begin(), new4->bytes().end())});
    }
    if (new6) {
      Bytes v(new6->bytes().begin(), new6->bytes().end());
      v.push_back(128);  // §3.15.1: address || prefix length
      attrs.push_back({static_cast<uint16_t>(CfgAttr::internal_ip6_address), v});
    }
    for (const wire::IpAddress& d : pc.dns) {
      attrs.push_back(
          {static_cast<uint16_t>(d.is_v4() ? CfgAttr::internal_ip4_dns : CfgAttr::internal_ip6_dns),
           Bytes(d.bytes().begin(), d.bytes().end())});
    }
    const size_t at = w.begin_payload(PayloadType::cp);
    write_cp(inner, static_cast<uint8_t>(CfgType::reply), attrs);
    w.end_payload(at);
  }
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(inner, {esp_response_proposal(*suite, spi_in)});
  w.end_payload(at);
  at = w.begin_payload(PayloadType::tsi);
  write_ts(inner, tsi);
  w.end_payload(at);
  at = w.begin_payload(PayloadType::tsr);
  write_ts(inner, tsr);
  w.end_payload(at);
  // We are the responder: i_to_r is what we receive (§2.17).
  install_child(now, sa, spi_in, suite->spi, suite->key_bits, suite->esn, keys->i_to_r.span(),
                keys->r_to_i.span(), keys->extra.span(), std::move(tsr), std::move(tsi), replaces, fx);
  return spi_in;
}

void IkeEngine::Impl::install_child(Time now, IkeSa& sa, uint32_t spi_in, uint32_t spi_out,
                                    uint16_t key_bits, bool esn, ByteSpan key_in, ByteSpan key_out,
                                    ByteSpan extra, std::vector<TrafficSelector> ts_local,
                                    std::vector<TrafficSelector> ts_remote, uint32_t replaces,
                                    Effects& fx, bool requested) {
  ChildSa c;
  c.spi_in = spi_in;
  c.spi_out = spi_out;
  c.key_bits = key_bits;
  c.esn = esn;
  c.ts_local = ts_local;
  c.ts_remote = ts_remote;
  c.established = now;
  c.rekey_at = jittered(now, config.lifetimes.child_soft);
  c.expire_at = now + config.lifetimes.child_hard;
  if (ChildSa* old = replaces != 0 ? sa.child_by_in(replaces) : nullptr) {
    c.rekeys = old->rekeys + 1;
    old->replaced = true;
    ++counters.child_rekeys;
  }
  sa.children.push_back(c);
  child_index[spi_in] = sa.handle;
  ++counters.child_sas_up;

  ChildSaUp up;
  up.ike_sa = sa.handle;
  if (const PeerConfig* pc = peer_of(sa)) up.peer = pc->name;
  up.spi_in = spi_in;
  up.spi_out = spi_out;
  up.replaces_spi_in = replaces;
  up.udp_encap = sa.nat_local || sa.nat_remote;
  up.local = sa.local;
  up.remote = sa.remote;
  up.ts_local = std::move(ts_local);
  up.ts_remote = std::move(ts_remote);
  up.virtual_ip4 = sa.vip4;
  up.virtual_ip6 = sa.vip6;
  for (sa::SaConfig* cfg : {&up.inbound, &up.outbound}) {
    cfg->transform = esp_transform(key_bits);
    cfg->framing = up.udp_encap ? sa::Framing::udp : sa::Framing::ip;
    cfg->esn = esn;
    cfg->local = sa.local.addr;
    cfg->remote = sa.remote.addr;
  }
  up.inbound.spi = spi_in;
  up.inbound.keymat.assign(key_in);
  up.outbound.spi = spi_out;
  up.outbound.keymat.assign(key_out);
  up.extra_keymat.assign(extra);
  up.requested = requested;
  fx.child_sa_up(up);
  reschedule(sa);
}

void IkeEngine::Impl::remove_child(IkeSa& sa, uint32_t spi_in, ChildDownReason reason,
                                   Effects& fx) {
  auto it = std::find_if(sa.children.begin(), sa.children.end(),
                         [spi_in](const ChildSa& c) { return c.spi_in == spi_in; });
  if (it == sa.children.end()) return;
  const ChildSaDown down{sa.handle, it->spi_in, it->spi_out,
                         it->replaced ? ChildDownReason::rekeyed : reason};
  child_index.erase(spi_in);
  sa.children.erase(it);
  // A collision record about this child stays until our own rekey of it is
  // answered: the §2.8.1 decision about the redundant new child still has
  // to be made even when the peer already deleted the old one.
  fx.child_sa_down(down);
}

void IkeEngine::Impl::start_create_child(Time now, IkeSa& sa, uint32_t rekey_spi_in, Effects& fx,
                                         bool force_pfs) {
  const PeerConfig& pc = *peer_of(sa);
  const bool pfs = pc.child_pfs || force_pfs;
  if (rekey_spi_in == 0 && sa.children.size() >= config.max_children_per_ike) return;
  Outstanding o;
  o.task = rekey_spi_in != 0 ? Task::rekey_child : Task::create_child;
  o.exchange = static_cast<uint8_t>(ExchangeType::create_child_sa);
  o.nonce.resize(kNonceLen);
  rng.fill(o.nonce);
  if (pfs) o.dh = crypto::x25519_generate(rng);
  o.pfs_retry_done = force_pfs;
  o.new_spi_in = fresh_child_spi();
  child_index[o.new_spi_in] = sa.handle;  // reserved until the answer
  o.offered = make_esp_proposal(config.proposals, o.new_spi_in, pfs);
  if (ChildSa* old = rekey_spi_in != 0 ? sa.child_by_in(rekey_spi_in) : nullptr) {
    // §2.8: the new SA carries the same selectors as the one it replaces.
    old->state = ChildSa::State::rekeying;
    o.old_spi_in = rekey_spi_in;
    // As this exchange's initiator, TSi is our side (§2.9).
    o.ts_i = old->ts_local;
    o.ts_r = old->ts_remote;
  } else {
    o.ts_i = pc.local_ts;
    o.ts_r = pc.remote_ts;
    if (sa.vip4 || sa.vip6) (pc.assign_address ? o.ts_r : o.ts_i) = hosts(sa.vip4, sa.vip6);
  }
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  if (o.old_spi_in != 0) {
    // §1.3.3: REKEY_SA names the SA being rekeyed by our inbound SPI.
    uint8_t spi[4];
    store_be32(spi, o.old_spi_in);
    add_notify(w, inner, NotifyType::rekey_sa, {}, static_cast<uint8_t>(ProtocolId::esp), spi);
  }
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(inner, {o.offered});
  w.end_payload(at);
  w.add(PayloadType::nonce, o.nonce);
  if (o.dh) {
    at = w.begin_payload(PayloadType::ke);
    write_ke(inner, kDhCurve25519, o.dh->pub);
    w.end_payload(at);
  }
  at = w.begin_payload(PayloadType::tsi);
  write_ts(inner, o.ts_i);
  w.end_payload(at);
  at = w.begin_payload(PayloadType::tsr);
  write_ts(inner, o.ts_r);
  w.end_payload(at);
  if (!ok(send_request(now, sa, std::move(o), w.first_type(), inner, fx))) {
    if (ChildSa* old = sa.child_by_in(rekey_spi_in)) old->state = ChildSa::State::installed;
  }
}

void IkeEngine::Impl::on_create_child_request(Time now, IkeSa& sa, const Incoming& in,
                                              Effects& fx) {
  const DecodedPayloads& p = in.p;
  auto refuse = [&](NotifyType t, ByteSpan data = {}) {
    ++counters.errors_sent[static_cast<uint16_t>(t) & 63];
    send_error_response(sa, in, t, data, fx);
  };
  // §2.25: an IKE SA on its way out takes no new work.
  if (sa.state != IkeState::established) return refuse(NotifyType::temporary_failure);
  if (p.sa && std::any_of(p.sa->begin(), p.sa->end(), [](const Proposal& x) {
        return x.protocol == static_cast<uint8_t>(ProtocolId::ike);
      })) {
    on_rekey_ike_request(now, sa, in, fx);
    return;
  }
  if (!p.sa || !p.nonce || !p.tsi || !p.tsr) return refuse(NotifyType::invalid_syntax);
  // §2.25.2: no child work while we rekey the IKE SA.
  if (sa.out && sa.out->task == Task::rekey_ike) return refuse(NotifyType::temporary_failure);
  uint32_t replaces = 0;
  if (const NotifyPayload* r = p.find_notify(NotifyType::rekey_sa)) {
    if (r->protocol != static_cast<uint8_t>(ProtocolId::esp) || r->spi.size() != kEspSpiLen)
      return refuse(NotifyType::child_sa_not_found);
    ChildSa* old = sa.child_by_out(load_be32(r->spi.data()));
    if (old == nullptr) return refuse(NotifyType::child_sa_not_found);  // §2.25.1
    // §2.25.1: a child we are closing, or already replaced, is not rekeyed.
    if (old->state == ChildSa::State::deleting || old->state == ChildSa::State::rekeyed)
      return refuse(NotifyType::temporary_failure);
    replaces = old->spi_in;
  } else if (sa.children.size() >= config.max_children_per_ike) {
    return refuse(NotifyType::no_additional_sas);
  }
  Bytes nr(kNonceLen);
  rng.fill(nr);
  std::optional<crypto::X25519KeyPair> dh;
  uint8_t shared[kCurve25519KeLen];
  size_t shared_len = 0;
  if (p.ke) {
    if (p.ke->group != kDhCurve25519) {
      const uint8_t g[2] = {0, static_cast<uint8_t>(kDhCurve25519)};
      return refuse(NotifyType::invalid_ke_payload, ByteSpan(g, 2));  // §1.3.1 / §1.2
    }
    dh = crypto::x25519_generate(rng);
    if (p.ke->data.size() != kCurve25519KeLen ||
        !ok(crypto::x25519(dh->priv.span(), p.ke->data, shared)))
      return refuse(NotifyType::invalid_syntax);
    shared_len = sizeof shared;
  }
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  const uint32_t spi = answer_child(now, sa, p, false, *p.nonce, nr, ByteSpan(shared, shared_len),
                                    replaces, w, inner, fx);
  secure_zero(shared, sizeof shared);
  if (spi != 0) {
    w.add(PayloadType::nonce, nr);
    if (dh) {
      const size_t at = w.begin_payload(PayloadType::ke);
      write_ke(inner, kDhCurve25519, dh->pub);
      w.end_payload(at);
    }
    if (replaces != 0) {
      ChildSa* old = sa.child_by_in(replaces);
      if (old->state == ChildSa::State::rekeying && sa.out && sa.out->task == Task::rekey_child &&
          sa.out->old_spi_in == replaces) {
        // §2.8.1: both ends rekey the same child. Remember this exchange;
        // the decision falls when our own response arrives.
        ++counters.rekey_collisions;
        sa.child_collisions.push_back({replaces, spi, Bytes(p.nonce->begin(), p.nonce->end()), nr});
      } else {
        // §2.8: the initiator of the rekey deletes the old SA.
        old->state = ChildSa::State::rekeyed;
      }
    }
  }
  send_response(sa, in, w.first_type(), inner, fx);
}

void IkeEngine::Impl::on_create_child_response(Time now, IkeSa& sa, const Incoming& in,
                                               Outstanding& o, Effects& fx) {
  const DecodedPayloads& p = in.p;
  child_index.erase(o.new_spi_in);  // the reservation ends; install_child re-adds it
  const bool rekey = o.task == Task::rekey_child;
  auto collision =
      std::find_if(sa.child_collisions.begin(), sa.child_collisions.end(),
                   [&](const ChildCollision& c) { return c.old_spi_in == o.old_spi_in; });
  const bool collided = rekey && collision != sa.child_collisions.end();
  // Our exchange failed: with a collision the peer's new child stands and
  // the peer deletes the old one; otherwise try again later.
  auto failed = [&](bool peer_installed) {
    ++counters.child_sas_failed;
    if (peer_installed) queue_task(sa, {Task::delete_child, 0, {o.new_spi_in}});
    if (collided) sa.child_collisions.erase(collision);
    ChildSa* old = rekey ? sa.child_by_in(o.old_spi_in) : nullptr;
    if (old == nullptr) return;
    if (collided) {
      old->state = ChildSa::State::rekeyed;
    } else {
      old->state = ChildSa::State::installed;
      old->rekey_at = std::min(retry_time(now), old->expire_at);
    }
  };
  if (const NotifyPayload* e = p.first_error()) {
    drop(DropReason::peer_error);
    if (rekey && e->type == static_cast<uint16_t>(NotifyType::child_sa_not_found)) {
      remove_child(sa, o.old_spi_in, ChildDownReason::deleted_by_peer, fx);  // §2.25.1
      ++counters.child_sas_failed;
      return;
    }
    // §1.3.1: the responder wants a key exchange (group 31) we did not send.
    if (e->type == static_cast<uint16_t>(NotifyType::invalid_ke_payload) && !o.dh &&
        !o.pfs_retry_done && e->data.size() == 2 && load_be16(e->data.data()) == kDhCurve25519) {
      if (ChildSa* old = sa.child_by_in(o.old_spi_in)) old->state = ChildSa::State::installed;
      // Retry once with PFS, even if the policy did not ask for it.
      start_create_child(now, sa, o.old_spi_in, fx, true);
      return;
    }
    failed(false);
    return;
  }
  if (!p.sa || !p.nonce || !p.tsi || !p.tsr) {
    drop(DropReason::syntax);
    failed(true);
    return;
  }
  auto suite = accept_esp_response(*p.sa, o.offered);
  uint8_t shared[kCurve25519KeLen];
  size_t shared_len = 0;
  bool ke_ok = !o.dh && !p.ke && suite && suite->dh_group == kDhNone;
  if (o.dh && p.ke && suite && suite->dh_group == kDhCurve25519 && p.ke->group == kDhCurve25519 &&
      ok(crypto::x25519(o.dh->priv.span(), p.ke->data, shared))) {
    ke_ok = true;
    shared_len = sizeof shared;
  }
  if (!suite || !ke_ok || !all_within(*p.tsi, o.ts_i) || !all_within(*p.tsr, o.ts_r)) {
    drop(DropReason::syntax);
    failed(true);
    return;
  }
  auto keys = derive_child_sa_keys(sa.keys.sk_d.span(), ByteSpan(shared, shared_len), o.nonce,
                                   *p.nonce, esp_keymat_len(suite->key_bits));
  secure_zero(shared, sizeof shared);
  if (!keys) {
    failed(true);
    return;
  }
  install_child(now, sa, o.new_spi_in, suite->spi, suite->key_bits, suite->esn, keys->r_to_i.span(),
                keys->i_to_r.span(), keys->extra.span(), *p.tsi, *p.tsr, rekey ? o.old_spi_in : 0,
                fx,
                /*requested=*/true);
  if (!rekey) return;
  ChildSa* old = sa.child_by_in(o.old_spi_in);
  if (collided) {
    // §2.8.1: the SA made by the exchange holding the lowest of the four
    // nonces is redundant; its creator deletes it, and the creator of the
    // surviving SA deletes the old one (unless the peer already did).
    const bool ours_lowest =
        nonce_less(min_nonce(o.nonce, *p.nonce), min_nonce(collision->their_ni, collision->our_nr));
    sa.child_collisions.erase(collision);
    if (old != nullptr) old->state = ChildSa::State::rekeyed;
    if (ours_lowest) {
      queue_task(sa, {Task::delete_child, 0, {o.new_spi_in}});
    } else if (old != nullptr) {
      queue_task(sa, {Task::delete_child, 0, {o.old_spi_in}});
    }
    return;
  }
  if (old == nullptr) return;  // deleted meanwhile
  old->state = ChildSa::State::rekeyed;
  queue_task(sa, {Task::delete_child, 0, {o.old_spi_in}});  // §2.8
}

}  // namespace ainet::ike
