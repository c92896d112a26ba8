// Hand-built IKE messages for tests that play a misbehaving or foreign peer.
#pragma once
#include <vector>

#include "crypto/kex.h"
#include "crypto/rng.h"
#include "ike/message.h"
#include "ike/payloads.h"
#include "ike/proposal.h"

namespace ainet::ike::test {

struct InitSpec {
  uint64_t spi_i = 0x0123456789abcdefULL;
  std::vector<Proposal> proposals = {make_ike_proposal(ProposalPolicy{}, 0, 0)};
  uint16_t ke_group = kDhCurve25519;
  Bytes ke;  // empty: a fresh X25519 public value
  Bytes nonce = Bytes(32, 0x5a);
  Bytes cookie;  // sent as the first payload when not empty
  uint8_t major = 2;
  bool unknown_critical = false;
};

inline Bytes build_init_request(const InitSpec& s, crypto::Rng& rng) {
  IkeHeader h;
  h.spi_i = s.spi_i;
  h.exchange = static_cast<uint8_t>(ExchangeType::ike_sa_init);
  h.flags = kFlagInitiator;
  Bytes m;
  write_ike_header(m, h);
  m[17] = static_cast<uint8_t>(s.major << 4);
  PayloadChainWriter w(m, 16);
  if (!s.cookie.empty()) {
    Bytes n;
    write_notify(n, 0, static_cast<uint16_t>(NotifyType::cookie), {}, s.cookie);
    w.add(PayloadType::notify, n);
  }
  Bytes sa;
  write_sa(sa, s.proposals);
  w.add(PayloadType::sa, sa);
  Bytes ke;
  Bytes ke_data = s.ke;
  if (ke_data.empty()) {
    auto kp = crypto::x25519_generate(rng);
    ke_data.assign(kp.pub.begin(), kp.pub.end());
  }
  write_ke(ke, s.ke_group, ke_data);
  w.add(PayloadType::ke, ke);
  w.add(PayloadType::nonce, s.nonce);
  if (s.unknown_critical) w.add(static_cast<PayloadType>(222), Bytes{1, 2}, true);
  (void)finish_message(m);
  return m;
}

// The notifies of an unprotected response.
inline std::vector<NotifyPayload> notifies_of(const Bytes& msg) {
  std::vector<NotifyPayload> out;
  auto p = parse_message(msg);
  if (!p) return out;
  auto d = decode_payloads(p->payloads);
  if (!d) return out;
  return d->notifies;
}

}  // namespace ainet::ike::test
