// IKE_AUTH (RFC 7296 §1.2, §2.15, §2.21.2), both roles: identities, AUTH
// with a PSK or Ed25519 (RFC 7427 / RFC 8420), the configuration payload
// (§3.15) and the first child SA.
#include "ike/auth.h"
#include "ike/engine_impl.h"
#include "ike/ts_narrowing.h"

namespace ainet::ike {
namespace {

Result<Bytes> make_auth(const LocalAuth& a, ByteSpan octets, uint8_t& method) {
  if (a.kind == AuthKind::psk) {
    method = static_cast<uint8_t>(AuthMethod::shared_key_mic);
    return psk_auth_data(a.psk, octets);
  }
  method = static_cast<uint8_t>(AuthMethod::digital_signature);
  return ed25519_auth_data(a.ed25519.span(), octets);
}

Status check_auth(const RemoteAuth& a, const AuthPayload& got, ByteSpan octets) {
  if (a.kind == AuthKind::psk) return verify_psk_auth(got, a.psk, octets);
  return verify_ed25519_auth(got, a.ed25519, octets);
}

bool wants_v6(const std::vector<TrafficSelector>& ts) {
  for (const TrafficSelector& t : ts)
    if (!t.is_v4()) return true;
  return false;
}

}  // namespace

void IkeEngine::Impl::send_auth_request(Time now, IkeSa& sa, Effects& fx) {
  const PeerConfig& pc = *peer_of(sa);
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  size_t at = w.begin_payload(PayloadType::idi);
  write_id(inner, pc.local_id);
  w.end_payload(at);
  // IDr (optional, §1.2) tells a responder with several identities which
  // one we expect.
  if (!pc.remote_id.data.empty()) {
    at = w.begin_payload(PayloadType::idr);
    write_id(inner, pc.remote_id);
    w.end_payload(at);
  }
  auto octets = auth_signed_octets(sa.init_request, sa.nr, sa.keys.sk_pi.span(), pc.local_id);
  uint8_t method = 0;
  auto auth = octets ? make_auth(pc.local_auth, *octets, method) : Result<Bytes>(octets.error());
  if (!auth) {
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  at = w.begin_payload(PayloadType::auth);
  write_auth(inner, method, *auth);
  w.end_payload(at);
  if (pc.request_address) {
    // §3.15.1: an empty INTERNAL_IP4_ADDRESS asks for any address, a
    // non-empty one for that address.
    Bytes want4;
    if (pc.requested_ip4 && pc.requested_ip4->is_v4())
      want4.assign(pc.requested_ip4->bytes().begin(), pc.requested_ip4->bytes().end());
    std::vector<CfgAttributeOut> attrs = {
        {static_cast<uint16_t>(CfgAttr::internal_ip4_address), want4},
        {static_cast<uint16_t>(CfgAttr::internal_ip4_dns), {}}};
    if (wants_v6(pc.local_ts)) {
      attrs.push_back({static_cast<uint16_t>(CfgAttr::internal_ip6_address), {}});
      attrs.push_back({static_cast<uint16_t>(CfgAttr::internal_ip6_dns), {}});
    }
    at = w.begin_payload(PayloadType::cp);
    write_cp(inner, static_cast<uint8_t>(CfgType::request), attrs);
    w.end_payload(at);
  }
  // The first child SA (§1.2: SAi2, TSi, TSr). No DH transform: IKE_AUTH
  // carries no KE (§1.2).
  sa.auth_child_spi_in = fresh_child_spi();
  child_index[sa.auth_child_spi_in] = sa.handle;  // reserved until the answer
  sa.auth_child_offer = make_esp_proposal(config.proposals, sa.auth_child_spi_in, false);
  sa.auth_ts_i = pc.local_ts;
  sa.auth_ts_r = pc.remote_ts;
  at = w.begin_payload(PayloadType::sa);
  write_sa(inner, {sa.auth_child_offer});
  w.end_payload(at);
  at = w.begin_payload(PayloadType::tsi);
  write_ts(inner, sa.auth_ts_i);
  w.end_payload(at);
  at = w.begin_payload(PayloadType::tsr);
  write_ts(inner, sa.auth_ts_r);
  w.end_payload(at);
  Outstanding o;
  o.task = Task::ike_auth;
  o.exchange = static_cast<uint8_t>(ExchangeType::ike_auth);
  o.new_spi_in = sa.auth_child_spi_in;
  if (!ok(send_request(now, sa, std::move(o), w.first_type(), inner, fx)))
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
}

void IkeEngine::Impl::on_auth_request(Time now, IkeSa& sa, const Incoming& in, Effects& fx) {
  const DecodedPayloads& p = in.p;
  if (!p.idi || !p.auth) {
    drop(DropReason::syntax);
    ++counters.errors_sent[static_cast<uint16_t>(NotifyType::invalid_syntax)];
    send_error_response(sa, in, NotifyType::invalid_syntax, {}, fx);
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  // The peer is whoever's configured remote identity IDi names. An unknown
  // identity and a wrong AUTH get the same answer (§2.21.2), so a prober
  // learns nothing about which identities exist.
  int index = -1;
  for (size_t i = 0; i < config.peers.size(); ++i)
    if (config.peers[i].remote_id == *p.idi) index = static_cast<int>(i);
  bool authentic = false;
  if (index >= 0) {
    const PeerConfig& pc = config.peers[static_cast<size_t>(index)];
    const bool idr_ok = !p.idr || *p.idr == pc.local_id;
    auto octets = auth_signed_octets(sa.init_request, sa.nr, sa.keys.sk_pi.span(), *p.idi);
    authentic = idr_ok && octets && ok(check_auth(pc.remote_auth, *p.auth, *octets));
  }
  if (!authentic) {
    ++counters.errors_sent[static_cast<uint16_t>(NotifyType::authentication_failed)];
    send_error_response(sa, in, NotifyType::authentication_failed, {}, fx);
    remove_sa(sa, IkeDownReason::auth_failed, fx);
    return;
  }
  sa.peer = index;
  sa.remote_id = *p.idi;
  const PeerConfig& pc = *peer_of(sa);
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  size_t at = w.begin_payload(PayloadType::idr);
  write_id(inner, pc.local_id);
  w.end_payload(at);
  auto octets = auth_signed_octets(sa.init_response, sa.ni, sa.keys.sk_pr.span(), pc.local_id);
  uint8_t method = 0;
  auto auth = octets ? make_auth(pc.local_auth, *octets, method) : Result<Bytes>(octets.error());
  if (!auth) {
    send_error_response(sa, in, NotifyType::authentication_failed, {}, fx);
    remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  at = w.begin_payload(PayloadType::auth);
  write_auth(inner, method, *auth);
  w.end_payload(at);
  establish(now, sa, fx);
  // §2.21.3: a child SA that cannot be made leaves the IKE SA standing.
  if (p.sa && p.tsi && p.tsr) {
    answer_child(now, sa, p, true, sa.ni, sa.nr, {}, 0, w, inner, fx);
  }
  send_response(sa, in, w.first_type(), inner, fx);
}

void IkeEngine::Impl::on_auth_response(Time now, IkeSa& sa, const Incoming& in, Effects& fx) {
  const DecodedPayloads& p = in.p;
  const PeerConfig& pc = *peer_of(sa);
  child_index.erase(sa.auth_child_spi_in);  // reservation ends here either way
  if (!p.idr || !p.auth) {
    // AUTHENTICATION_FAILED, INVALID_SYNTAX, UNSUPPORTED_CRITICAL_PAYLOAD...:
    // the IKE SA is not created (§2.21.2).
    const bool auth_failed = p.find_notify(NotifyType::authentication_failed) != nullptr;
    drop(p.first_error() != nullptr ? DropReason::peer_error : DropReason::syntax);
    remove_sa(sa, auth_failed ? IkeDownReason::auth_failed : IkeDownReason::negotiation_failed, fx);
    return;
  }
  bool authentic = pc.remote_id.data.empty() || *p.idr == pc.remote_id;
  if (authentic) {
    auto octets = auth_signed_octets(sa.init_response, sa.ni, sa.keys.sk_pr.span(), *p.idr);
    authentic = octets && ok(check_auth(pc.remote_auth, *p.auth, *octets));
  }
  if (!authentic) {
    // §2.21.2: the initiator MAY tell the responder in a separate
    // INFORMATIONAL; it then forgets the IKE SA.
    send_notify_oneshot(sa, NotifyType::authentication_failed, fx);
    remove_sa(sa, IkeDownReason::auth_failed, fx);
    return;
  }
  sa.remote_id = *p.idr;
  if (p.cp && p.cp->cfg_type == static_cast<uint8_t>(CfgType::reply)) {
    for (const CfgAttribute& a : p.cp->attributes) {
      if (a.type == static_cast<uint16_t>(CfgAttr::internal_ip4_address) && a.value.size() == 4)
        sa.vip4 = *wire::IpAddress::from_bytes(a.value);
      if (a.type == static_cast<uint16_t>(CfgAttr::internal_ip6_address) && a.value.size() == 17)
        sa.vip6 = *wire::IpAddress::from_bytes(a.value.first(16));
    }
  }
  establish(now, sa, fx);
  // The first child SA, or why there is none (§2.21.3: NO_PROPOSAL_CHOSEN,
  // TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE... leave the IKE SA up).
  if (p.first_error() != nullptr) {
    ++counters.child_sas_failed;
    drop(DropReason::peer_error);
    return;
  }
  auto suite =
      p.sa ? accept_esp_response(*p.sa, sa.auth_child_offer) : Result<EspSuite>(Errc::not_found);
  const bool ts_ok =
      p.tsi && p.tsr && all_within(*p.tsi, sa.auth_ts_i) && all_within(*p.tsr, sa.auth_ts_r);
  if (!suite || !ts_ok || suite->dh_group != kDhNone) {
    // Not what we asked for (§2.9: the initiator deletes a child whose
    // selectors it does not accept).
    ++counters.child_sas_failed;
    drop(DropReason::syntax);
    queue_task(sa, {Task::delete_child, 0, {sa.auth_child_spi_in}});
    return;
  }
  auto keys =
      derive_child_sa_keys(sa.keys.sk_d.span(), {}, sa.ni, sa.nr, esp_keymat_len(suite->key_bits));
  if (!keys) return;
  install_child(now, sa, sa.auth_child_spi_in, suite->spi, suite->key_bits, suite->esn,
                keys->r_to_i.span(), keys->i_to_r.span(), keys->extra.span(), *p.tsi, *p.tsr, 0, fx,
                /*requested=*/true);
}

}  // namespace ainet::ike
