#include "core/onion.h"

#include <array>
#include <cstring>

namespace ainet::core {
namespace {

using Nonce = std::array<uint8_t, kCellNonceSize>;

Result<OnionLayer> make_layer(const HopKeys& k) {
  OnionLayer l;
  auto fc = crypto::Cipher::make(crypto::CipherAlg::aes256_ctr, k.fwd_layer.span());
  auto bc = crypto::Cipher::make(crypto::CipherAlg::aes256_ctr, k.bwd_layer.span());
  auto fp = crypto::Cipher::make(crypto::CipherAlg::aes256_ecb, k.fwd_prp.span());
  auto bp = crypto::Cipher::make(crypto::CipherAlg::aes256_ecb, k.bwd_prp.span());
  for (Errc e : {fc.error(), bc.error(), fp.error(), bp.error()})
    if (e != Errc::ok) return e;
  l.fwd_ctr = std::move(fc).value();
  l.bwd_ctr = std::move(bc).value();
  l.fwd_prp = std::move(fp).value();
  l.bwd_prp = std::move(bp).value();
  return l;
}

crypto::AeadAlg aead_alg(E2eAead a) {
  return a == E2eAead::chacha20_poly1305 ? crypto::AeadAlg::chacha20_poly1305
                                         : crypto::AeadAlg::aes256_gcm;
}

[[nodiscard]] Errc make_e2e(const HopKeys& k, E2eAead aead, crypto::Aead& fwd, crypto::Aead& bwd) {
  if (aead != E2eAead::aes256_gcm && aead != E2eAead::chacha20_poly1305)
    return Errc::invalid_argument;
  auto f = crypto::Aead::make(aead_alg(aead), k.e2e_fwd.span());
  auto b = crypto::Aead::make(aead_alg(aead), k.e2e_bwd.span());
  if (!f) return f.error();
  if (!b) return b.error();
  fwd = std::move(f).value();
  bwd = std::move(b).value();
  return Errc::ok;
}

bool valid_cell_size(size_t n) { return n >= kMinCellSize && n <= kMaxCellSize; }

MutByteSpan body_of(MutByteSpan cell) { return cell.subspan(kCellNonceSize); }
// The AEAD plaintext/ciphertext: the body without its trailing tag.
MutByteSpan inner_of(MutByteSpan cell) {
  return cell.subspan(kCellNonceSize, cell.size() - kCellNonceSize - kCellTagSize);
}
MutByteSpan tag_of(MutByteSpan cell) { return cell.last(kCellTagSize); }
ByteSpan aead_nonce(const Nonce& n) { return ByteSpan(n.data(), crypto::kAeadNonceSize); }

// Writes type(1) || len(2) || datagram || zero padding into the inner area.
// datagram may already lie inside cell (memmove).
[[nodiscard]] Errc fill_inner(CellType type, ByteSpan datagram, MutByteSpan cell) {
  if (datagram.size() > max_cell_datagram(cell.size())) return Errc::invalid_argument;
  if (type != CellType::data && type != CellType::dummy) return Errc::invalid_argument;
  MutByteSpan inner = inner_of(cell);
  if (!datagram.empty())
    std::memmove(inner.data() + kCellInnerHeaderSize, datagram.data(), datagram.size());
  inner[0] = static_cast<uint8_t>(type);
  store_be16(inner.data() + 1, static_cast<uint16_t>(datagram.size()));
  const size_t used = kCellInnerHeaderSize + datagram.size();
  std::memset(inner.data() + used, 0, inner.size() - used);
  return Errc::ok;
}

// Reads the opened inner plaintext: unknown type or a length that overruns
// the cell means the sender is broken (the AEAD already authenticated it).
Result<CellPayload> read_inner(MutByteSpan cell) {
  MutByteSpan inner = inner_of(cell);
  const uint8_t type = inner[0];
  const size_t len = load_be16(inner.data() + 1);
  if (type > static_cast<uint8_t>(CellType::dummy) || len > max_cell_datagram(cell.size()))
    return Errc::malformed;
  CellPayload p;
  p.type = static_cast<CellType>(type);
  p.datagram = inner.subspan(kCellInnerHeaderSize, len);
  return p;
}

void load_nonce(MutByteSpan cell, Nonce& n) { std::memcpy(n.data(), cell.data(), n.size()); }
void store_nonce(const Nonce& n, MutByteSpan cell) { std::memcpy(cell.data(), n.data(), n.size()); }

// One hop's layer in either direction (paper §5.2): the body under CTR with
// the nonce the cell carries, then the nonce through the hop's PRP, so the
// next link shows another nonce.
Errc relay_layer(crypto::Cipher& ctr, crypto::Cipher& prp, MutByteSpan cell) {
  Nonce n;
  load_nonce(cell, n);
  Errc e = ctr.encrypt(n, body_of(cell), body_of(cell));
  if (e != Errc::ok) return e;
  Nonce next;
  e = prp.encrypt({}, n, next);
  if (e != Errc::ok) return e;
  store_nonce(next, cell);
  return Errc::ok;
}

}  // namespace

Result<RouteOnionKeys> make_route_onion_keys(std::span<const HopKeys> route, size_t cell_size,
                                             E2eAead aead) {
  if (route.empty() || route.size() > wire::kMaxHops || !valid_cell_size(cell_size))
    return Errc::invalid_argument;
  RouteOnionKeys k;
  k.cell_size = cell_size;
  k.hops.reserve(route.size());
  for (const HopKeys& h : route) {
    auto l = make_layer(h);
    if (!l) return l.error();
    k.hops.push_back(std::move(l).value());
  }
  const Errc e = make_e2e(route.back(), aead, k.e2e_fwd, k.e2e_bwd);
  if (e != Errc::ok) return e;
  return k;
}

Result<HopOnionKeys> make_hop_onion_keys(const HopKeys& keys, size_t cell_size) {
  if (!valid_cell_size(cell_size)) return Errc::invalid_argument;
  HopOnionKeys k;
  k.cell_size = cell_size;
  auto l = make_layer(keys);
  if (!l) return l.error();
  k.layer = std::move(l).value();
  return k;
}

Result<ExitOnionKeys> make_exit_onion_keys(const HopKeys& keys, size_t cell_size,
                                           E2eAead aead) {
  auto hop = make_hop_onion_keys(keys, cell_size);
  if (!hop) return hop.error();
  ExitOnionKeys k;
  static_cast<HopOnionKeys&>(k) = std::move(hop).value();
  const Errc e = make_e2e(keys, aead, k.e2e_fwd, k.e2e_bwd);
  if (e != Errc::ok) return e;
  return k;
}

Errc wrap_forward(RouteOnionKeys& keys, CellType type, ByteSpan datagram, crypto::Rng& rng,
                  MutByteSpan cell) {
  const size_t k = keys.hops.size();
  if (cell.size() != keys.cell_size || k == 0 || k > wire::kMaxHops || !keys.e2e_fwd.keyed())
    return Errc::invalid_argument;
  if (keys.e2e_sealed >= kMaxE2eSeals) return Errc::limit;
  Errc e = fill_inner(type, datagram, cell);
  if (e != Errc::ok) return e;
  // N_{h+1} = PRP_fwd_h(N_h): the nonce each hop will see.
  std::array<Nonce, wire::kMaxHops> n;
  rng.fill(n[0]);
  for (size_t h = 0; h + 1 < k; ++h) {
    e = keys.hops[h].fwd_prp.encrypt({}, n[h], n[h + 1]);
    if (e != Errc::ok) return e;
  }
  e = keys.e2e_fwd.seal(aead_nonce(n[k - 1]), {}, inner_of(cell), inner_of(cell), tag_of(cell));
  if (e != Errc::ok) return e;
  ++keys.e2e_sealed;
  for (size_t h = k; h-- > 0;) {
    e = keys.hops[h].fwd_ctr.encrypt(n[h], body_of(cell), body_of(cell));
    if (e != Errc::ok) return e;
  }
  store_nonce(n[0], cell);
  return Errc::ok;
}

Errc relay_forward(HopOnionKeys& keys, MutByteSpan cell) {
  if (cell.size() != keys.cell_size) return Errc::invalid_argument;
  return relay_layer(keys.layer.fwd_ctr, keys.layer.fwd_prp, cell);
}

Result<CellPayload> open_forward(ExitOnionKeys& keys, MutByteSpan cell) {
  if (cell.size() != keys.cell_size || !keys.e2e_fwd.keyed()) return Errc::invalid_argument;
  Nonce n;
  load_nonce(cell, n);
  Errc e = keys.layer.fwd_ctr.encrypt(n, body_of(cell), body_of(cell));
  if (e != Errc::ok) return e;
  e = keys.e2e_fwd.open(aead_nonce(n), {}, inner_of(cell), tag_of(cell), inner_of(cell));
  if (e != Errc::ok) return e;
  return read_inner(cell);
}

Errc wrap_backward(ExitOnionKeys& keys, CellType type, ByteSpan datagram, crypto::Rng& rng,
                   MutByteSpan cell) {
  if (cell.size() != keys.cell_size || !keys.e2e_bwd.keyed())
    return Errc::invalid_argument;
  if (keys.e2e_sealed >= kMaxE2eSeals) return Errc::limit;
  Errc e = fill_inner(type, datagram, cell);
  if (e != Errc::ok) return e;
  Nonce m;
  rng.fill(m);
  e = keys.e2e_bwd.seal(aead_nonce(m), {}, inner_of(cell), inner_of(cell), tag_of(cell));
  if (e != Errc::ok) return e;
  ++keys.e2e_sealed;
  store_nonce(m, cell);
  return relay_backward(keys, cell);
}

Errc relay_backward(HopOnionKeys& keys, MutByteSpan cell) {
  if (cell.size() != keys.cell_size) return Errc::invalid_argument;
  return relay_layer(keys.layer.bwd_ctr, keys.layer.bwd_prp, cell);
}

Result<CellPayload> open_backward(RouteOnionKeys& keys, MutByteSpan cell) {
  const size_t k = keys.hops.size();
  if (cell.size() != keys.cell_size || k == 0 || !keys.e2e_bwd.keyed()) return Errc::invalid_argument;
  Nonce m;
  load_nonce(cell, m);
  for (size_t h = 0; h < k; ++h) {
    // M = PRP_bwd_h^{-1}(M) recovers the nonce hop h used for its layer.
    Nonce prev;
    Errc e = keys.hops[h].bwd_prp.decrypt({}, m, prev);
    if (e != Errc::ok) return e;
    m = prev;
    e = keys.hops[h].bwd_ctr.encrypt(m, body_of(cell), body_of(cell));
    if (e != Errc::ok) return e;
  }
  const Errc e = keys.e2e_bwd.open(aead_nonce(m), {}, inner_of(cell), tag_of(cell), inner_of(cell));
  if (e != Errc::ok) return e;
  return read_inner(cell);
}

}  // namespace ainet::core
