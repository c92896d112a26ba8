#include "core/ticket_verifier.h"

#include <algorithm>
#include <cstring>

namespace ainet::core {
namespace {

// Linear probing stops here: with the table at most half full an honest
// ticket needs ~2.5 probes on average, and this bounds the work any nonce
// pattern can cause. Reaching it refuses the ticket (over_capacity).
constexpr int kMaxProbes = 64;
// Keeps a configuration typo from asking for gigabytes.
constexpr uint32_t kMaxSpentCapacity = 1u << 22;

uint64_t mix(uint64_t z) {  // splitmix64 finaliser
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

size_t table_size_for(uint32_t capacity) {
  size_t n = 1;
  while (n < 2 * static_cast<size_t>(capacity)) n <<= 1;
  return n;
}

}  // namespace

std::string_view to_string(TicketVerdict v) {
  switch (v) {
    case TicketVerdict::ok:
      return "ok";
    case TicketVerdict::missing:
      return "missing";
    case TicketVerdict::malformed:
      return "malformed";
    case TicketVerdict::forged:
      return "forged";
    case TicketVerdict::expired:
      return "expired";
    case TicketVerdict::wrong_slice:
      return "wrong_slice";
    case TicketVerdict::reused:
      return "reused";
    case TicketVerdict::over_quota:
      return "over_quota";
    case TicketVerdict::over_capacity:
      return "over_capacity";
  }
  return "unknown";
}

TicketVerifier::TicketVerifier(const TicketConfig& cfg, crypto::Rng& rng) : cfg_(cfg) {
  cfg_.slice_seconds = std::max<uint64_t>(cfg_.slice_seconds, 1);
  // Two slices at most may be valid at once, or the two tables would not do.
  if (2 * cfg_.grace_seconds >= cfg_.slice_seconds)
    cfg_.grace_seconds = (cfg_.slice_seconds - 1) / 2;
  capacity_ = std::clamp<uint32_t>(cfg_.spent_capacity, 1, kMaxSpentCapacity);
  key0_ = rng.u64();
  key1_ = rng.u64();
  for (Slot& s : slots_) s.table.assign(table_size_for(capacity_), Entry{});
}

void TicketVerifier::set_issuers(const Directory& dir) {
  std::vector<Issuer> next;
  for (const AinEntry& e : dir.entries())
    if (e.ticket_key.valid()) next.push_back(Issuer{e.id, e.ticket_key});
  std::sort(next.begin(), next.end(), [](const Issuer& a, const Issuer& b) { return a.id < b.id; });
  for (Slot& s : slots_) {
    std::vector<uint32_t> counts(next.size(), 0);
    for (size_t j = 0; j < next.size(); ++j) {
      size_t old = 0;
      if (issuer(next[j].id, &old) != nullptr && old < s.per_issuer.size())
        counts[j] = s.per_issuer[old];
    }
    s.per_issuer = std::move(counts);
  }
  issuers_ = std::move(next);
}

const TicketVerifier::Issuer* TicketVerifier::issuer(NodeId id, size_t* index) const {
  auto it = std::lower_bound(issuers_.begin(), issuers_.end(), id,
                             [](const Issuer& a, NodeId v) { return a.id < v; });
  if (it == issuers_.end() || it->id != id) return nullptr;
  *index = static_cast<size_t>(it - issuers_.begin());
  return &*it;
}

TicketVerdict TicketVerifier::refuse(TicketVerdict v) {
  switch (v) {
    case TicketVerdict::missing:
      ++stats_.missing;
      break;
    case TicketVerdict::malformed:
      ++stats_.malformed;
      break;
    case TicketVerdict::forged:
      ++stats_.forged;
      break;
    case TicketVerdict::expired:
      ++stats_.expired;
      break;
    case TicketVerdict::wrong_slice:
      ++stats_.wrong_slice;
      break;
    case TicketVerdict::reused:
      ++stats_.reused;
      break;
    case TicketVerdict::over_quota:
      ++stats_.over_quota;
      break;
    case TicketVerdict::over_capacity:
      ++stats_.over_capacity;
      break;
    case TicketVerdict::ok:
      break;
  }
  return v;
}

TicketVerdict TicketVerifier::slice_verdict(uint64_t slice, uint64_t now_unix) const {
  const uint64_t ss = cfg_.slice_seconds;
  const uint64_t cur = now_unix / ss, into = now_unix % ss;
  if (slice == cur) return TicketVerdict::ok;
  // Valid during [slice*ss - grace, (slice+1)*ss + grace): the previous slice
  // just after a boundary, the next one just before it (clock skew between
  // the entrance and this AIN).
  if (slice < cur)
    return slice + 1 == cur && into < cfg_.grace_seconds ? TicketVerdict::ok
                                                         : TicketVerdict::expired;
  return slice == cur + 1 && ss - into <= cfg_.grace_seconds ? TicketVerdict::ok
                                                             : TicketVerdict::wrong_slice;
}

uint64_t TicketVerifier::hash(uint32_t issuer_id, const uint8_t* nonce) const {
  return mix(load_be64(nonce) ^ key0_) ^
         mix(load_be64(nonce + 8) ^ key1_ ^ (uint64_t{issuer_id} << 32));
}

size_t TicketVerifier::find(const Slot& s, uint32_t issuer_id, const uint8_t* nonce) const {
  const size_t mask = s.table.size() - 1;
  size_t i = hash(issuer_id, nonce) & mask;
  for (int probe = 0; probe < kMaxProbes; ++probe, i = (i + 1) & mask) {
    const Entry& e = s.table[i];
    if (e.issuer == 0) return i;
    if (e.issuer == issuer_id && std::memcmp(e.nonce16, nonce, sizeof e.nonce16) == 0) return i;
  }
  return SIZE_MAX;
}

const TicketVerifier::Slot* TicketVerifier::slot_of(uint64_t slice) const {
  const Slot& s = slots_[slice & 1];
  return s.used && s.slice == slice ? &s : nullptr;
}

uint32_t TicketVerifier::spent_in_slice(uint64_t slice) const {
  const Slot* s = slot_of(slice);
  return s ? s->count : 0;
}

uint32_t TicketVerifier::accepted_from(NodeId id, uint64_t slice) const {
  const Slot* s = slot_of(slice);
  size_t idx = 0;
  if (!s || issuer(id, &idx) == nullptr || idx >= s->per_issuer.size()) return 0;
  return s->per_issuer[idx];
}

// The checks that read the spent table, shared by admit() and spend():
// a newer slice in this parity's table (only if the clock stepped back: the
// older slice's record is gone) is expired; then reused; with `full` also
// the issuer cap and the table capacity. *pos is where the ticket would go.
TicketVerdict TicketVerifier::table_verdict(uint32_t issuer_id, size_t idx, uint64_t slice,
                                            const uint8_t* nonce16, bool full, size_t* pos) const {
  const Slot& s = slots_[slice & 1];
  if (s.used && s.slice > slice) return TicketVerdict::expired;
  const bool current = s.used && s.slice == slice;
  *pos = SIZE_MAX;
  if (!current) return cfg_.issuer_cap == 0 && full ? TicketVerdict::over_quota : TicketVerdict::ok;
  *pos = find(s, issuer_id, nonce16);
  if (*pos != SIZE_MAX && s.table[*pos].issuer != 0) return TicketVerdict::reused;
  if (!full) return TicketVerdict::ok;
  if (s.per_issuer[idx] >= cfg_.issuer_cap) return TicketVerdict::over_quota;
  if (s.count >= capacity_ || *pos == SIZE_MAX) return TicketVerdict::over_capacity;
  return TicketVerdict::ok;
}

TicketVerdict TicketVerifier::admit(ByteSpan field, uint64_t now_unix, TicketAdmission& out) {
  out = TicketAdmission{};
  // Cheapest checks first; the RSA verification (the only costly step) comes
  // after every check that needs no key, so a replayed ticket costs a table
  // lookup, not an RSA operation.
  if (wire::is_absent_ticket(field)) return refuse(TicketVerdict::missing);
  auto t = wire::parse_ticket(field);
  if (!t) return refuse(TicketVerdict::malformed);
  if (TicketVerdict v = slice_verdict(t->slice, now_unix); v != TicketVerdict::ok) return refuse(v);
  const Slot& s = slots_[t->slice & 1];
  if (s.used && s.slice > t->slice) return refuse(TicketVerdict::expired);
  size_t idx = 0;
  const Issuer* is = issuer(t->issuer, &idx);
  if (is == nullptr) return refuse(TicketVerdict::forged);
  size_t pos = SIZE_MAX;
  if (TicketVerdict v = table_verdict(t->issuer, idx, t->slice, t->nonce.data(), false, &pos);
      v != TicketVerdict::ok)
    return refuse(v);
  const wire::TicketMessage msg = wire::ticket_message(*t);
  if (is->key.verify(kTicketVariant, msg, t->signature) != Errc::ok)
    return refuse(TicketVerdict::forged);
  if (TicketVerdict v = table_verdict(t->issuer, idx, t->slice, t->nonce.data(), true, &pos);
      v != TicketVerdict::ok)
    return refuse(v);
  out.issuer = t->issuer;
  out.slice = t->slice;
  std::memcpy(out.nonce16.data(), t->nonce.data(), out.nonce16.size());
  out.admitted = true;
  return TicketVerdict::ok;
}

TicketVerdict TicketVerifier::spend(const TicketAdmission& a) {
  if (!a.admitted) return refuse(TicketVerdict::missing);
  // The table (or the issuers) may have changed since admit(): check again.
  size_t idx = 0;
  if (issuer(a.issuer, &idx) == nullptr) return refuse(TicketVerdict::forged);
  size_t pos = SIZE_MAX;
  if (TicketVerdict v = table_verdict(a.issuer, idx, a.slice, a.nonce16.data(), true, &pos);
      v != TicketVerdict::ok)
    return refuse(v);
  // Accepted: the only place state changes. A table that held an older
  // slice (which can no longer be valid) is cleared for this one.
  Slot& s = slots_[a.slice & 1];
  if (!(s.used && s.slice == a.slice)) {
    std::fill(s.table.begin(), s.table.end(), Entry{});
    std::fill(s.per_issuer.begin(), s.per_issuer.end(), 0);
    s.per_issuer.resize(issuers_.size(), 0);
    s.count = 0;
    s.slice = a.slice;
    s.used = true;
    pos = find(s, a.issuer, a.nonce16.data());
  }
  Entry& e = s.table[pos];
  e.issuer = a.issuer;
  std::memcpy(e.nonce16, a.nonce16.data(), sizeof e.nonce16);
  ++s.count;
  ++s.per_issuer[idx];
  ++stats_.accepted;
  return TicketVerdict::ok;
}

TicketVerdict TicketVerifier::check(ByteSpan field, uint64_t now_unix) {
  TicketAdmission a;
  const TicketVerdict v = admit(field, now_unix, a);
  return v == TicketVerdict::ok ? spend(a) : v;
}

}  // namespace ainet::core
