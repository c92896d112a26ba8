// Read-only views of the engine (ainctl, tests) and small helpers shared by
// the exchange files.
#include "ike/appender.h"
#include "ike/engine_impl.h"

namespace ainet::ike {

std::string_view to_string(DropReason r) {
  switch (r) {
    case DropReason::parse:
      return "parse";
    case DropReason::version:
      return "version";
    case DropReason::not_ike:
      return "not_ike";
    case DropReason::unknown_spi:
      return "unknown_spi";
    case DropReason::message_id:
      return "message_id";
    case DropReason::integrity:
      return "integrity";
    case DropReason::syntax:
      return "syntax";
    case DropReason::unexpected:
      return "unexpected";
    case DropReason::half_open_limit:
      return "half_open_limit";
    case DropReason::cookie:
      return "cookie";
    case DropReason::init_mismatch:
      return "init_mismatch";
    case DropReason::peer_error:
      return "peer_error";
    case DropReason::count_:
      break;
  }
  return "unknown";
}

std::string_view to_string(IkeState s) {
  switch (s) {
    case IkeState::init_sent:
      return "init_sent";
    case IkeState::auth_sent:
      return "auth_sent";
    case IkeState::half_open:
      return "half_open";
    case IkeState::established:
      return "established";
    case IkeState::rekeyed:
      return "rekeyed";
    case IkeState::deleting:
      return "deleting";
  }
  return "unknown";
}

void add_notify(PayloadChainWriter& w, Bytes& out, NotifyType t, ByteSpan data, uint8_t protocol,
                ByteSpan spi) {
  const size_t at = w.begin_payload(PayloadType::notify);
  write_notify(out, protocol, static_cast<uint16_t>(t), spi, data);
  w.end_payload(at);
}

bool nonce_less(ByteSpan a, ByteSpan b) {
  // §2.8.1: octet by octet; if one runs out first, it is the lower one.
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return a[i] < b[i];
  return a.size() < b.size();
}

ByteSpan min_nonce(ByteSpan a, ByteSpan b) {
  return nonce_less(b, a) ? b : a;
}

sa::Transform esp_transform(uint16_t key_bits) {
  return key_bits == 128 ? sa::Transform::esp_aes128_gcm : sa::Transform::esp_aes256_gcm;
}

size_t esp_keymat_len(uint16_t key_bits) {
  // RFC 4106 §8.1 (and RFC 5282 §7.1 for IKE): key || 4-octet salt.
  return key_bits / 8 + kSkSaltLen;
}

IkeSaInfo IkeEngine::Impl::info(const IkeSa& sa) const {
  IkeSaInfo i;
  i.handle = sa.handle;
  if (const PeerConfig* pc = peer_of(sa)) i.peer = pc->name;
  i.state = sa.state;
  i.initiator = sa.initiator;
  i.spi_i = sa.spi_i;
  i.spi_r = sa.spi_r;
  i.local = sa.local;
  i.remote = sa.remote;
  i.nat_local = sa.nat_local;
  i.nat_remote = sa.nat_remote;
  i.key_bits = sa.key_bits;
  i.created = sa.created;
  i.established = sa.established_at;
  i.rekey_at = sa.rekey_at;
  i.expire_at = sa.expire_at;
  i.last_heard = sa.last_heard;
  i.rekeys = sa.rekeys;
  i.next_request_id = sa.next_request_id;
  i.expected_request_id = sa.expected_request_id;
  i.virtual_ip4 = sa.vip4;
  i.virtual_ip6 = sa.vip6;
  for (const ChildSa& c : sa.children) {
    ChildSaInfo ci;
    ci.spi_in = c.spi_in;
    ci.spi_out = c.spi_out;
    ci.key_bits = c.key_bits;
    ci.esn = c.esn;
    ci.udp_encap = sa.nat_local || sa.nat_remote;
    ci.ts_local = c.ts_local;
    ci.ts_remote = c.ts_remote;
    ci.established = c.established;
    ci.rekey_at = c.rekey_at;
    ci.expire_at = c.expire_at;
    ci.rekeys = c.rekeys;
    ci.rekeying = c.state == ChildSa::State::rekeying;
    i.children.push_back(std::move(ci));
  }
  return i;
}

std::vector<IkeSaInfo> IkeEngine::list_ike_sas() const {
  std::vector<IkeSaInfo> out;
  for (const auto& [h, sa] : impl_->sas) out.push_back(impl_->info(*sa));
  return out;
}

std::optional<IkeSaInfo> IkeEngine::ike_sa(uint64_t handle) const {
  auto it = impl_->sas.find(handle);
  if (it == impl_->sas.end()) return std::nullopt;
  return impl_->info(*it->second);
}

IkeStateCounts IkeEngine::state_counts() const {
  IkeStateCounts c;
  c.ike_sas = impl_->sas.size();
  c.half_open = impl_->half_open;
  c.children = impl_->child_index.size();
  c.leases = impl_->pool4.leased() + impl_->pool6.leased();
  c.timers = impl_->timers.size();
  c.init_index = impl_->init_index.size();
  c.spi_index = impl_->by_spi.size();
  return c;
}

}  // namespace ainet::ike
