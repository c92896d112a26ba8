// IKE_SA_INIT (RFC 7296 §1.2), both roles: proposal and Curve25519 key
// exchange (RFC 8031), cookies (§2.6), INVALID_KE_PAYLOAD (§1.2), NAT
// detection and the float to port 4500 (§2.23), and the retransmitted-
// request cache (§2.1) for a message that has no IKE SA to answer from yet.
#include <algorithm>

#include "ike/auth.h"
#include "ike/engine_impl.h"
#include "ike/nat_detection.h"
#include "wire/constants.h"

namespace ainet::ike {
namespace {

constexpr int kMaxCookieRetries = 3;

void add_nat_detection(PayloadChainWriter& w, Bytes& out, uint64_t spi_i, uint64_t spi_r,
                       const UdpEndpoint& src, const UdpEndpoint& dst, crypto::Rng* fake_src) {
  NatHash s{};
  if (fake_src != nullptr) {
    // §2.23: a host may claim to be behind a NAT (to force UDP
    // encapsulation) by sending a source hash that cannot match.
    fake_src->fill(s);
  } else if (auto h = nat_detection_hash(spi_i, spi_r, src.addr, src.port)) {
    s = *h;
  }
  add_notify(w, out, NotifyType::nat_detection_source_ip, s);
  NatHash d{};
  if (auto h = nat_detection_hash(spi_i, spi_r, dst.addr, dst.port)) d = *h;
  add_notify(w, out, NotifyType::nat_detection_destination_ip, d);
}

// §2.23: (behind NAT locally, peer behind NAT) from the notifies of a
// message that went from `remote` to `local`. No notifies, no detection.
std::pair<bool, bool> detect_nat(const DecodedPayloads& p, uint64_t spi_i, uint64_t spi_r,
                                 const UdpEndpoint& local, const UdpEndpoint& remote) {
  bool any_src = false, src_match = false, any_dst = false, dst_match = false;
  for (const NotifyPayload& n : p.notifies) {
    if (n.type == static_cast<uint16_t>(NotifyType::nat_detection_source_ip)) {
      any_src = true;
      src_match = src_match || nat_hash_matches(n.data, spi_i, spi_r, remote.addr, remote.port);
    } else if (n.type == static_cast<uint16_t>(NotifyType::nat_detection_destination_ip)) {
      any_dst = true;
      dst_match = dst_match || nat_hash_matches(n.data, spi_i, spi_r, local.addr, local.port);
    }
  }
  return {any_dst && !dst_match, any_src && !src_match};
}

bool has_nat_detection(const DecodedPayloads& p) {
  return p.find_notify(NotifyType::nat_detection_source_ip) != nullptr ||
         p.find_notify(NotifyType::nat_detection_destination_ip) != nullptr;
}

Bytes nonce_bytes(crypto::Rng& rng) {
  Bytes n(kNonceLen);
  rng.fill(n);
  return n;
}

}  // namespace

Status IkeEngine::Impl::derive_init_keys(IkeSa& sa, ByteSpan peer_ke) {
  uint8_t shared[kCurve25519KeLen];
  // RFC 8031 §2.3: an all-zero shared secret (small-order point) is refused.
  if (Status s = crypto::x25519(sa.dh->priv.span(), peer_ke, shared); !ok(s)) return s;
  auto k = derive_ike_sa_keys(sa.ni, sa.nr, ByteSpan(shared, sizeof shared), sa.spi_i, sa.spi_r,
                              sa.key_bits / 8);
  secure_zero(shared, sizeof shared);
  if (!k) return k.error();
  sa.keys = std::move(*k);
  auto tx = SkCipher::create(sa.initiator ? sa.keys.sk_ei.span() : sa.keys.sk_er.span());
  auto rx = SkCipher::create(sa.initiator ? sa.keys.sk_er.span() : sa.keys.sk_ei.span());
  if (!tx || !rx) return Errc::crypto_error;
  sa.tx = std::move(*tx);
  sa.rx = std::move(*rx);
  return Errc::ok;
}

Status IkeEngine::Impl::start_initiator(Time now, IkeSa& sa, Effects& fx) {
  const PeerConfig& pc = *peer_of(sa);
  sa.local = pc.local;
  sa.remote = pc.remote;
  sa.ni = nonce_bytes(rng);
  sa.dh = crypto::x25519_generate(rng);
  send_init_request(now, sa, fx);
  return Errc::ok;
}

void IkeEngine::Impl::send_init_request(Time now, IkeSa& sa, Effects& fx) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.exchange = static_cast<uint8_t>(ExchangeType::ike_sa_init);
  h.flags = kFlagInitiator;
  Bytes msg;
  write_ike_header(msg, h);
  PayloadChainWriter w(msg, 16);
  // §2.6: a cookie, when the responder asked for one, is the first payload.
  if (!sa.cookie.empty()) add_notify(w, msg, NotifyType::cookie, sa.cookie);
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(msg, {make_ike_proposal(config.proposals, 0, 0)});
  w.end_payload(at);
  at = w.begin_payload(PayloadType::ke);
  write_ke(msg, kDhCurve25519, sa.dh->pub);
  w.end_payload(at);
  w.add(PayloadType::nonce, sa.ni);
  add_nat_detection(w, msg, sa.spi_i, 0, sa.local, sa.remote, config.force_encap ? &rng : nullptr);
  add_notify(w, msg, NotifyType::signature_hash_algorithms, signature_hash_algorithms_data());
  (void)finish_message(msg);
  sa.init_request = msg;
  Outstanding o;
  o.task = Task::ike_init;
  o.exchange = h.exchange;
  o.message_id = 0;
  o.local = sa.local;
  o.remote = sa.remote;
  o.wire = msg;
  o.interval = config.retransmit.initial;
  o.next_send = now + o.interval;
  send_raw(o.local, o.remote, msg, fx);
  ++counters.requests_sent;
  sa.out = std::move(o);
  reschedule(sa);
}

void IkeEngine::Impl::send_init_notify(const IkeHeader& req, const UdpEndpoint& local,
                                       const UdpEndpoint& remote, NotifyType t, ByteSpan data,
                                       Effects& fx) {
  IkeHeader h;
  h.spi_i = req.spi_i;
  h.spi_r = 0;  // §2.6 / §1.2: no responder SPI, no state
  h.exchange = req.exchange;
  h.flags = kFlagResponse;
  h.message_id = 0;
  Bytes msg;
  write_ike_header(msg, h);
  PayloadChainWriter w(msg, 16);
  add_notify(w, msg, t, data);
  (void)finish_message(msg);
  if (is_error_notify(static_cast<uint16_t>(t)))
    ++counters.errors_sent[static_cast<uint16_t>(t) & 63];
  send_raw(local, remote, msg, fx);
}

void IkeEngine::Impl::on_init_request(Time now, const ParsedMessage& m, const UdpEndpoint& local,
                                      const UdpEndpoint& remote, ByteSpan raw, Effects& fx) {
  const IkeHeader& h = m.header;
  // §1.2/§3.1: the first request has SPIr 0, Message ID 0, the I flag, and
  // travels in the clear.
  if (h.spi_r != 0 || h.message_id != 0 || !h.from_original_initiator() || m.sk ||
      raw.size() > kMaxInitRequestLen) {
    drop(DropReason::parse);
    return;
  }
  // §2.1: a retransmitted IKE_SA_INIT gets the same answer, not a new SA.
  auto known = init_index.find({h.spi_i, {remote.addr, remote.port}});
  if (known != init_index.end()) {
    IkeSa* sa = find(known->second);
    if (sa != nullptr && sa->state == IkeState::half_open &&
        std::equal(raw.begin(), raw.end(), sa->init_request.begin(), sa->init_request.end())) {
      ++counters.responses_resent;
      send_raw(local, remote, sa->init_response, fx);
    } else {
      drop(DropReason::init_mismatch);
    }
    return;
  }
  auto d = decode_payloads(m.payloads);
  // Unauthenticated: a malformed request gets no answer (§3.10.1 keeps
  // INVALID_SYNTAX for protected messages).
  if (!d) {
    drop(DropReason::syntax);
    return;
  }
  if (d->unsupported_critical) {
    // §2.5: refuse the message, naming the payload type.
    const uint8_t t = *d->unsupported_critical;
    drop(DropReason::syntax);
    send_init_notify(h, local, remote, NotifyType::unsupported_critical_payload, ByteSpan(&t, 1),
                     fx);
    return;
  }
  if (!d->sa || !d->ke || !d->nonce) {
    drop(DropReason::syntax);
    return;
  }
  if (sas.size() >= config.max_ike_sas || half_open >= config.max_half_open) {
    drop(DropReason::half_open_limit);
    return;
  }
  // §2.6: under load, only an initiator that can receive at its address
  // gets state: it must echo a cookie we can verify without state.
  if (half_open >= config.cookie_threshold) {
    // The cookie must be the first payload (§2.6).
    std::optional<NotifyPayload> c;
    if (m.payloads.items[0].type == static_cast<uint8_t>(PayloadType::notify)) {
      auto n = parse_notify(m.payloads.items[0].body);
      if (n && n->type == static_cast<uint16_t>(NotifyType::cookie)) c = *n;
    }
    if (!c || !cookies.check(c->data, *d->nonce, remote.addr, h.spi_i)) {
      if (c) drop(DropReason::cookie);
      if (cookie_rotate_at == Time::max()) cookie_rotate_at = now + config.cookie_rotation;
      ++counters.cookies_sent;
      const Bytes cookie = cookies.make(*d->nonce, remote.addr, h.spi_i);
      send_init_notify(h, local, remote, NotifyType::cookie, cookie, fx);
      return;
    }
  }
  auto suite = select_ike_proposal(*d->sa, config.proposals, false);
  if (!suite) {
    send_init_notify(h, local, remote, NotifyType::no_proposal_chosen, {}, fx);
    return;
  }
  // §1.2: a KE for another group than the one we picked is answered with
  // the group we want; the initiator retries.
  if (d->ke->group != kDhCurve25519) {
    ++counters.invalid_ke_sent;
    const uint8_t g[2] = {0, static_cast<uint8_t>(kDhCurve25519)};
    send_init_notify(h, local, remote, NotifyType::invalid_ke_payload, ByteSpan(g, 2), fx);
    return;
  }
  if (d->ke->data.size() != kCurve25519KeLen) {  // RFC 8031 §2: 32 octets
    drop(DropReason::syntax);
    return;
  }
  IkeSa& sa = create_sa(now, false);
  sa.spi_i = h.spi_i;
  sa.local = local;
  sa.remote = remote;
  sa.key_bits = suite->key_bits;
  sa.ni.assign(d->nonce->begin(), d->nonce->end());
  sa.nr = nonce_bytes(rng);
  sa.dh = crypto::x25519_generate(rng);
  if (!ok(derive_init_keys(sa, d->ke->data))) {
    drop(DropReason::syntax);
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  const bool natd = has_nat_detection(*d);
  std::tie(sa.nat_local, sa.nat_remote) = detect_nat(*d, sa.spi_i, 0, local, remote);
  if (config.force_encap && natd) sa.nat_local = true;

  IkeHeader rh;
  rh.spi_i = sa.spi_i;
  rh.spi_r = sa.spi_r;
  rh.exchange = h.exchange;
  rh.flags = kFlagResponse;
  Bytes msg;
  write_ike_header(msg, rh);
  PayloadChainWriter w(msg, 16);
  size_t at = w.begin_payload(PayloadType::sa);
  write_sa(msg, {ike_response_proposal(*suite, 0, 0)});
  w.end_payload(at);
  at = w.begin_payload(PayloadType::ke);
  write_ke(msg, kDhCurve25519, sa.dh->pub);
  w.end_payload(at);
  w.add(PayloadType::nonce, sa.nr);
  // §2.23: answer NAT detection only if the initiator asked for it.
  if (natd)
    add_nat_detection(w, msg, sa.spi_i, sa.spi_r, local, remote,
                      config.force_encap ? &rng : nullptr);
  add_notify(w, msg, NotifyType::signature_hash_algorithms, signature_hash_algorithms_data());
  (void)finish_message(msg);

  sa.init_request.assign(raw.begin(), raw.end());
  sa.init_response = msg;
  sa.init_key = remote;
  init_index[{sa.spi_i, {remote.addr, remote.port}}] = sa.handle;
  set_state(sa, IkeState::half_open);
  sa.half_open_until = now + config.half_open_timeout;
  sa.expected_request_id = 1;  // IKE_AUTH is request 1 (§2.3)
  send_raw(local, remote, msg, fx);
  reschedule(sa);
}

void IkeEngine::Impl::on_init_response(Time now, IkeSa& sa, const ParsedMessage& m,
                                       const UdpEndpoint& local, const UdpEndpoint& remote,
                                       ByteSpan raw, Effects& fx) {
  const IkeHeader& h = m.header;
  if (h.message_id != 0 || m.sk || h.from_original_initiator()) {
    drop(DropReason::parse);
    return;
  }
  auto d = decode_payloads(m.payloads);
  if (!d) {
    // Unauthenticated garbage must not end the attempt: keep waiting
    // (retransmission continues, §2.4).
    drop(DropReason::syntax);
    return;
  }
  if (const NotifyPayload* c = d->find_notify(NotifyType::cookie)) {
    // §2.6: retry with the cookie, every other payload unchanged.
    if (c->data.empty() || c->data.size() > kMaxCookieLen ||
        sa.cookie_retries >= kMaxCookieRetries) {
      drop(DropReason::syntax);
      return;
    }
    ++sa.cookie_retries;
    sa.cookie.assign(c->data.begin(), c->data.end());
    sa.out.reset();
    send_init_request(now, sa, fx);
    return;
  }
  if (const NotifyPayload* e = d->first_error()) {
    drop(DropReason::peer_error);
    // §1.2: INVALID_KE_PAYLOAD names the group the responder wants. Group 31
    // is the only one we have and the one we sent, so no retry can help:
    // the attempt fails rather than loop.
    remove_sa(sa,
              e->type == static_cast<uint16_t>(NotifyType::no_proposal_chosen) ||
                      e->type == static_cast<uint16_t>(NotifyType::invalid_ke_payload)
                  ? IkeDownReason::no_proposal
                  : IkeDownReason::negotiation_failed,
              fx);
    return;
  }
  if (d->unsupported_critical || !d->sa || !d->ke || !d->nonce || h.spi_r == 0) {
    drop(DropReason::syntax);
    return;
  }
  auto suite = accept_ike_response(*d->sa, make_ike_proposal(config.proposals, 0, 0));
  if (!suite || d->ke->group != kDhCurve25519 || d->ke->data.size() != kCurve25519KeLen) {
    drop(DropReason::syntax);
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  sa.spi_r = h.spi_r;
  sa.key_bits = suite->key_bits;
  sa.nr.assign(d->nonce->begin(), d->nonce->end());
  sa.init_response.assign(raw.begin(), raw.end());
  if (!ok(derive_init_keys(sa, d->ke->data))) {
    drop(DropReason::syntax);
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  std::tie(sa.nat_local, sa.nat_remote) = detect_nat(*d, sa.spi_i, sa.spi_r, local, remote);
  if (config.force_encap && has_nat_detection(*d)) sa.nat_local = true;
  sa.out.reset();
  sa.next_request_id = 1;
  // §2.23: with a NAT on the path, IKE moves to port 4500 from IKE_AUTH on
  // (and ESP is UDP-encapsulated there, RFC 3948).
  if (sa.nat_local || sa.nat_remote) {
    sa.local.port = wire::kUdpEncapPort;
    sa.remote.port = wire::kUdpEncapPort;
  }
  set_state(sa, IkeState::auth_sent);
  send_auth_request(now, sa, fx);
}

}  // namespace ainet::ike
