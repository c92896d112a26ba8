// Rekeying the IKE SA (RFC 7296 §1.3.2, §2.18) and simultaneous IKE SA
// rekeying (§2.8.2): a CREATE_CHILD_SA whose SA payload proposes protocol
// IKE with the new SPI, a fresh Curve25519 exchange, keys from the old
// SK_d; the children (and any address lease) move to the new IKE SA, whose
// original initiator is whoever started the rekey; the old one is deleted.
#include <algorithm>

#include "ike/engine_impl.h"

namespace ainet::ike {

Time IkeEngine::Impl::retry_time(Time now) {
  // 2..10 s: long enough for the peer to finish what collided with us.
  return now + Duration::ms(2000 + static_cast<int64_t>(rng.uniform(8000)));
}

void IkeEngine::Impl::start_rekey_ike(Time now, IkeSa& sa, Effects& fx) {
  Outstanding o;
  o.task = Task::rekey_ike;
  o.exchange = static_cast<uint8_t>(ExchangeType::create_child_sa);
  o.nonce.resize(kNonceLen);
  rng.fill(o.nonce);
  o.dh = crypto::x25519_generate(rng);
  o.new_ike_spi = fresh_ike_spi();
  by_spi[o.new_ike_spi] = sa.handle;  // reserved until the answer
  o.offered = make_ike_proposal(config.proposals, o.new_ike_spi, kIkeSpiLen);
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(inner, {o.offered});
  w.end_payload(at);
  w.add(PayloadType::nonce, o.nonce);
  at = w.begin_payload(PayloadType::ke);
  write_ke(inner, kDhCurve25519, o.dh->pub);
  w.end_payload(at);
  const uint64_t reserved = o.new_ike_spi;
  if (!ok(send_request(now, sa, std::move(o), w.first_type(), inner, fx))) {
    by_spi.erase(reserved);
    sa.rekey_at = retry_time(now);
  }
}

IkeSa* IkeEngine::Impl::make_rekeyed_sa(Time now, IkeSa& old, bool we_initiated, uint64_t spi_i,
                                        uint64_t spi_r, uint16_t key_bits, const IkeSaKeys& keys,
                                        Effects& fx) {
  auto tx = SkCipher::create(we_initiated ? keys.sk_ei.span() : keys.sk_er.span());
  auto rx = SkCipher::create(we_initiated ? keys.sk_er.span() : keys.sk_ei.span());
  if (!tx || !rx) return nullptr;
  IkeSa& sa = create_sa(now, we_initiated, we_initiated ? spi_i : spi_r);
  sa.spi_i = spi_i;
  sa.spi_r = spi_r;
  sa.peer = old.peer;
  sa.local = old.local;
  sa.remote = old.remote;
  sa.nat_local = old.nat_local;
  sa.nat_remote = old.nat_remote;
  sa.key_bits = key_bits;
  sa.keys = keys;
  sa.tx = std::move(*tx);
  sa.rx = std::move(*rx);
  sa.remote_id = old.remote_id;
  sa.rekeys = old.rekeys + 1;
  ++counters.ike_rekeys;
  establish(now, sa, fx);
  return &sa;
}

void IkeEngine::Impl::move_children(Time now, IkeSa& from, IkeSa& to, Effects& fx) {
  for (ChildSa& c : from.children) {
    child_index[c.spi_in] = to.handle;
    to.children.push_back(std::move(c));
  }
  from.children.clear();
  to.child_collisions = std::move(from.child_collisions);
  from.child_collisions.clear();
  // Inner addresses stay with the customer, not with one IKE SA.
  to.vip4 = from.vip4;
  to.vip6 = from.vip6;
  pool4.transfer(from.handle, to.handle);
  pool6.transfer(from.handle, to.handle);
  // Child work queued on the old SA continues on the new one.
  for (const QueuedTask& t : from.queue)
    if (t.task == Task::rekey_child || t.task == Task::delete_child || t.task == Task::create_child)
      queue_task(to, t);
  from.queue.clear();
  kick(now, to, fx);
}

void IkeEngine::Impl::retire_old(Time now, IkeSa& old, IkeSa& successor, bool we_delete,
                                 Effects& fx) {
  old.successor = successor.handle;
  old.expire_at = Time::max();
  old.rekey_at = Time::max();
  old.keepalive_at = Time::max();
  set_state(old, IkeState::rekeyed);
  if (we_delete) {
    // §2.18: the initiator of the surviving rekey deletes the old IKE SA.
    enqueue(now, old, {Task::delete_ike, 0, {}}, fx);
  } else {
    // The peer deletes it; if its Delete never comes, drop it once a
    // request of ours would have given up.
    Duration wait = config.retransmit.initial;
    for (int i = 0; i < config.retransmit.tries; ++i)
      wait = Duration{wait.ns + std::min(Duration{wait.ns * 2}, config.retransmit.max_interval).ns};
    old.retire_at = now + wait;
    reschedule(old);
  }
}

void IkeEngine::Impl::on_rekey_ike_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx) {
  const DecodedPayloads& p = in.p;
  auto refuse = [&](NotifyType t, ByteSpan data = {}) {
    ++counters.errors_sent[static_cast<uint16_t>(t) & 63];
    send_error_response(sa, in, t, data, fx);
  };
  // §2.25.2: not while we create or rekey a child SA.
  if (sa.out && (sa.out->task == Task::create_child || sa.out->task == Task::rekey_child))
    return refuse(NotifyType::temporary_failure);
  if (!p.nonce || !p.ke) return refuse(NotifyType::invalid_syntax);
  auto suite = select_ike_proposal(*p.sa, config.proposals, true);
  if (!suite) return refuse(NotifyType::no_proposal_chosen);
  if (p.ke->group != kDhCurve25519) {
    const uint8_t g[2] = {0, static_cast<uint8_t>(kDhCurve25519)};
    return refuse(NotifyType::invalid_ke_payload, ByteSpan(g, 2));
  }
  const crypto::X25519KeyPair dh = crypto::x25519_generate(rng);
  uint8_t shared[kCurve25519KeLen];
  if (p.ke->data.size() != kCurve25519KeLen ||
      !ok(crypto::x25519(dh.priv.span(), p.ke->data, shared)))
    return refuse(NotifyType::invalid_syntax);
  Bytes nr(kNonceLen);
  rng.fill(nr);
  const uint64_t our_spi = fresh_ike_spi();
  auto keys = derive_rekeyed_ike_sa_keys(sa.keys.sk_d.span(), ByteSpan(shared, sizeof shared),
                                         *p.nonce, nr, suite->spi, our_spi, suite->key_bits / 8);
  secure_zero(shared, sizeof shared);
  IkeSa* fresh =
      keys ? make_rekeyed_sa(now, sa, false, suite->spi, our_spi, suite->key_bits, *keys, fx)
           : nullptr;
  if (fresh == nullptr) return refuse(NotifyType::no_proposal_chosen);
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(inner, {ike_response_proposal(*suite, our_spi, kIkeSpiLen)});
  w.end_payload(at);
  w.add(PayloadType::nonce, nr);
  at = w.begin_payload(PayloadType::ke);
  write_ke(inner, kDhCurve25519, dh.pub);
  w.end_payload(at);
  send_response(sa, in, w.first_type(), inner, fx);
  if (sa.out && sa.out->task == Task::rekey_ike) {
    // §2.8.2: both ends rekey the IKE SA; decide when our answer comes.
    ++counters.rekey_collisions;
    sa.ike_collision = IkeCollision{fresh->handle, Bytes(p.nonce->begin(), p.nonce->end()), nr};
    fresh->collision_candidate = true;
    return;
  }
  move_children(now, sa, *fresh, fx);
  retire_old(now, sa, *fresh, false, fx);
}

void IkeEngine::Impl::on_rekey_ike_response(Time now, IkeSa& sa, const Incoming& in, Outstanding& o,
                                            Effects& fx) {
  const DecodedPayloads& p = in.p;
  if (auto it = by_spi.find(o.new_ike_spi); it != by_spi.end() && it->second == sa.handle)
    by_spi.erase(it);
  IkeSa* theirs = sa.ike_collision ? find(sa.ike_collision->their_new_handle) : nullptr;
  auto failed = [&] {
    if (theirs != nullptr) {
      // Their rekey stands; they delete the old IKE SA.
      sa.ike_collision.reset();
      theirs->collision_candidate = false;
      move_children(now, sa, *theirs, fx);
      retire_old(now, sa, *theirs, false, fx);
      return;
    }
    sa.ike_collision.reset();
    sa.rekey_at = std::min(retry_time(now), sa.expire_at);
  };
  if (p.first_error() != nullptr) {
    drop(DropReason::peer_error);
    failed();
    return;
  }
  auto suite = p.sa ? accept_ike_response(*p.sa, o.offered) : Result<IkeSuite>(Errc::not_found);
  uint8_t shared[kCurve25519KeLen];
  if (!suite || !p.nonce || !p.ke || p.ke->group != kDhCurve25519 ||
      p.ke->data.size() != kCurve25519KeLen ||
      !ok(crypto::x25519(o.dh->priv.span(), p.ke->data, shared)) || by_spi.count(suite->spi) != 0) {
    drop(DropReason::syntax);
    failed();
    return;
  }
  auto keys =
      derive_rekeyed_ike_sa_keys(sa.keys.sk_d.span(), ByteSpan(shared, sizeof shared), o.nonce,
                                 *p.nonce, o.new_ike_spi, suite->spi, suite->key_bits / 8);
  secure_zero(shared, sizeof shared);
  IkeSa* ours =
      keys ? make_rekeyed_sa(now, sa, true, o.new_ike_spi, suite->spi, suite->key_bits, *keys, fx)
           : nullptr;
  if (ours == nullptr) {
    failed();
    return;
  }
  if (theirs != nullptr) {
    // §2.8.2: the new IKE SA from the exchange with the lowest nonce is
    // redundant; its creator deletes it, the other side deletes the old.
    const bool ours_lowest =
        nonce_less(min_nonce(o.nonce, *p.nonce),
                   min_nonce(sa.ike_collision->their_ni, sa.ike_collision->our_nr));
    sa.ike_collision.reset();
    theirs->collision_candidate = false;
    if (ours_lowest) {
      move_children(now, sa, *theirs, fx);
      ours->successor = theirs->handle;
      ours->redundant = true;
      enqueue(now, *ours, {Task::delete_ike, 0, {}}, fx);
      retire_old(now, sa, *theirs, false, fx);
    } else {
      theirs->successor = ours->handle;
      theirs->redundant = true;
      move_children(now, sa, *ours, fx);
      retire_old(now, sa, *ours, true, fx);
    }
    return;
  }
  move_children(now, sa, *ours, fx);
  retire_old(now, sa, *ours, true, fx);
}

}  // namespace ainet::ike
