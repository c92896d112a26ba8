// INFORMATIONAL (RFC 7296 §1.4): Delete of child SAs and of the IKE SA
// (§1.4.1, including the crossed-deletes rule), liveness checks (an empty
// request, §1.4), and error notifies about IKE_AUTH (§2.21.2).
#include <algorithm>

#include "ike/engine_impl.h"

namespace ainet::ike {

void IkeEngine::Impl::start_informational(Time now, IkeSa& sa, const QueuedTask& t, Effects& fx) {
  Outstanding o;
  o.task = t.task;
  o.exchange = static_cast<uint8_t>(ExchangeType::informational);
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  if (t.task == Task::delete_child) {
    for (uint32_t spi : t.spis) {
      if (ChildSa* c = sa.child_by_in(spi)) c->state = ChildSa::State::deleting;
    }
    o.delete_spis = t.spis;
    const size_t at = w.begin_payload(PayloadType::del);
    write_delete_esp(inner, t.spis);  // §3.11: our inbound SPIs
    w.end_payload(at);
  } else if (t.task == Task::delete_ike) {
    set_state(sa, IkeState::deleting);
    const size_t at = w.begin_payload(PayloadType::del);
    write_delete_ike(inner);
    w.end_payload(at);
  }
  // Task::dpd: an empty INFORMATIONAL request (§1.4).
  if (!ok(send_request(now, sa, std::move(o), w.first_type(), inner, fx)) &&
      t.task == Task::delete_ike) {
    remove_sa(sa, gone(sa, IkeDownReason::deleted_locally), fx);
  }
}

void IkeEngine::Impl::on_informational_request(Time now, IkeSa& sa, const Incoming& in,
                                               Effects& fx) {
  (void)now;
  const DecodedPayloads& p = in.p;
  bool delete_ike = false;
  std::vector<uint32_t> answer;  // our inbound SPIs of the children the peer deleted
  for (const DeletePayload& d : p.deletes) {
    if (d.protocol == static_cast<uint8_t>(ProtocolId::ike)) {
      delete_ike = true;
      continue;
    }
    if (d.protocol != static_cast<uint8_t>(ProtocolId::esp)) continue;  // no AH child SAs here
    for (size_t i = 0; i < d.count; ++i) {
      // §3.11: the SPIs are the sender's inbound ones, our outbound ones.
      ChildSa* c = sa.child_by_out(d.esp_spi(i));
      if (c == nullptr) continue;
      // §1.4.1: crossed deletes: a child we are deleting too is not named in
      // the answer; the rest are answered with our inbound SPI.
      if (c->state != ChildSa::State::deleting) answer.push_back(c->spi_in);
      remove_child(sa, c->spi_in, ChildDownReason::deleted_by_peer, fx);
    }
  }
  const bool auth_failed = p.find_notify(NotifyType::authentication_failed) != nullptr;
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  if (!answer.empty() && !delete_ike) {
    const size_t at = w.begin_payload(PayloadType::del);
    write_delete_esp(inner, answer);
    w.end_payload(at);
  }
  // §1.4.1: the answer to a Delete of the IKE SA is empty; so is a
  // liveness check's.
  send_response(sa, in, w.first_type(), inner, fx);
  if (delete_ike) {
    // §2.8.2: a peer whose rekey of this IKE SA crossed ours (and whose
    // exchange completed first, or ours was lost) deletes the old SA; the
    // children live on in the IKE SA its exchange created.
    if (sa.ike_collision) {
      if (IkeSa* theirs = find(sa.ike_collision->their_new_handle)) {
        move_children(now, sa, *theirs, fx);
        sa.successor = theirs->handle;
        theirs->collision_candidate = false;
      }
      sa.ike_collision.reset();
    }
    remove_sa(sa, gone(sa, IkeDownReason::deleted_by_peer), fx);
  } else if (auth_failed && sa.state != IkeState::rekeyed) {
    // §2.21.2: the initiator did not accept our IKE_AUTH answer.
    remove_sa(sa, IkeDownReason::auth_failed, fx);
  }
}

void IkeEngine::Impl::on_informational_response(Time now, IkeSa& sa, const Incoming& in,
                                                Outstanding& o, Effects& fx) {
  (void)now;
  (void)in;
  switch (o.task) {
    case Task::delete_child:
      // §1.4.1: whatever the answer names, our half is gone now.
      for (uint32_t spi : o.delete_spis)
        remove_child(sa, spi, ChildDownReason::deleted_locally, fx);
      break;
    case Task::delete_ike:
      remove_sa(sa, gone(sa, IkeDownReason::deleted_locally), fx);
      break;
    default:
      break;  // dpd: the peer lives (last_heard was updated)
  }
}

namespace {

void seal_oneshot(IkeSa& sa, uint8_t first, ByteSpan inner, Bytes& msg) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = static_cast<uint8_t>(ExchangeType::informational);
  h.flags = sa.initiator ? kFlagInitiator : 0;
  h.message_id = sa.next_request_id++;
  if (!ok(sa.tx->seal_message(h, first, inner, msg))) msg.clear();
}

}  // namespace

void IkeEngine::Impl::send_notify_oneshot(IkeSa& sa, NotifyType t, Effects& fx) {
  if (!sa.tx) return;
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  add_notify(w, inner, t);
  if (is_error_notify(static_cast<uint16_t>(t)))
    ++counters.errors_sent[static_cast<uint16_t>(t) & 63];
  Bytes msg;
  seal_oneshot(sa, w.first_type(), inner, msg);
  if (!msg.empty()) send_raw(sa.local, sa.remote, msg, fx);
}

void IkeEngine::Impl::send_delete_ike_oneshot(IkeSa& sa, Effects& fx) {
  if (!sa.tx || sa.out) return;  // with a request outstanding the window is full (§2.3)
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  const size_t at = w.begin_payload(PayloadType::del);
  write_delete_ike(inner);
  w.end_payload(at);
  Bytes msg;
  seal_oneshot(sa, w.first_type(), inner, msg);
  if (!msg.empty()) send_raw(sa.local, sa.remote, msg, fx);
}

}  // namespace ainet::ike
