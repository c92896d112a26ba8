// TVT data cells (docs/protocol.md "TVT data cell").
//
// Cell = nonce(16) || body(cell_size-16); body = AEAD(inner) || tag(16) under
// one AES-256-CTR layer per hop; inner = type(1) || len(2) || datagram || 0s.
// The nonce goes through a keyed PRP (AES-256 block function) at every hop,
// so no byte of a cell on one link reappears in the cell on the next link.
//
// Every crypto context is keyed once when the ANT comes up (RouteOnionKeys at
// the entrance, HopOnionKeys at relays, ExitOnionKeys at the exit); the per-cell calls work
// in place and never allocate.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/e2e_aead.h"
#include "core/handshake.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::core {

constexpr size_t kCellNonceSize = 16;
constexpr size_t kCellTagSize = 16;
constexpr size_t kCellInnerHeaderSize = 3;  // type(1) || len(2)
constexpr size_t kCellOverhead = kCellNonceSize + kCellTagSize + kCellInnerHeaderSize;  // 35
constexpr size_t kDefaultCellSize = 1400;
constexpr size_t kMinCellSize = 64;
constexpr size_t kMaxCellSize = 9000;
constexpr size_t max_cell_datagram(size_t cell_size) { return cell_size - kCellOverhead; }

enum class CellType : uint8_t { data = 0, dummy = 1 };

// The keys of one hop's onion layer. The Cipher/Aead objects are key bytes
// (the keyed contexts are the thread's, crypto/context_cache.h) held by
// value, so a hop's onion state is one heap block, not one per key
// (issue 10, memory per ANT hop).
struct OnionLayer {
  crypto::Cipher fwd_ctr, bwd_ctr;  // AES-256-CTR layers
  crypto::Cipher fwd_prp, bwd_prp;  // AES-256-ECB nonce PRPs
};

// Entrance: one layer per key-holding hop (h = 0..n-2) plus the exit's e2e AEADs.
struct RouteOnionKeys {
  size_t cell_size = kDefaultCellSize;
  std::vector<OnionLayer> hops;  // sized once at ANT set-up
  crypto::Aead e2e_fwd, e2e_bwd;
  uint64_t e2e_sealed = 0;  // forward cells sealed with e2e_fwd (kMaxE2eSeals)
};

// A relay: its own layer only.
struct HopOnionKeys {
  size_t cell_size = kDefaultCellSize;
  OnionLayer layer;
};

// The exit: its layer (it relays its own backward cells, wrap_backward) and
// the e2e AEADs, which only the exit keys: so relays, a third of all hop
// states, do not carry two unkeyed AEADs (issue 10: 40 bytes each).
struct ExitOnionKeys : HopOnionKeys {
  crypto::Aead e2e_fwd, e2e_bwd;
  uint64_t e2e_sealed = 0;  // backward cells sealed with e2e_bwd (kMaxE2eSeals)
};

// route: the HopKeys of hops 0..n-2 in path order (1..kMaxHops of them).
// cell_size in [kMinCellSize, kMaxCellSize]; else Errc::invalid_argument.
// aead: the network's end-to-end AEAD (the entrance's and the exit's must match).
Result<RouteOnionKeys> make_route_onion_keys(std::span<const HopKeys> route, size_t cell_size,
                                             E2eAead aead = kDefaultE2eAead);
Result<HopOnionKeys> make_hop_onion_keys(const HopKeys& keys, size_t cell_size);
Result<ExitOnionKeys> make_exit_onion_keys(const HopKeys& keys, size_t cell_size,
                                           E2eAead aead = kDefaultE2eAead);

// A decrypted cell: type and the datagram, which points into the cell buffer.
struct CellPayload {
  CellType type = CellType::data;
  MutByteSpan datagram;
};

// Entrance: builds a forward cell. cell.size() must equal keys.cell_size;
// datagram.size() <= max_cell_datagram(cell_size) else Errc::invalid_argument.
// datagram may lie inside cell (it is moved, not copied, in that case).
// Errc::limit once the e2e key has sealed kMaxE2eSeals cells (wrap_backward
// likewise): the ANT must be replaced.
[[nodiscard]] Errc wrap_forward(RouteOnionKeys& keys, CellType type, ByteSpan datagram,
                                crypto::Rng& rng, MutByteSpan cell);
// Relay: removes its forward layer and transforms the nonce, in place.
[[nodiscard]] Errc relay_forward(HopOnionKeys& keys, MutByteSpan cell);
// Exit: removes its layer and opens the AEAD. Errc::auth_failed on a bad tag
// (the caller counts it); Errc::malformed for an unknown type or a length
// that does not fit. Errc::invalid_argument for a wrong cell size.
Result<CellPayload> open_forward(ExitOnionKeys& keys, MutByteSpan cell);

// Exit: builds a backward cell (random nonce M).
[[nodiscard]] Errc wrap_backward(ExitOnionKeys& keys, CellType type, ByteSpan datagram,
                                 crypto::Rng& rng, MutByteSpan cell);
// Relay: adds its backward layer and transforms the nonce, in place.
[[nodiscard]] Errc relay_backward(HopOnionKeys& keys, MutByteSpan cell);
// Entrance: removes every backward layer and opens the AEAD (errors as open_forward).
Result<CellPayload> open_backward(RouteOnionKeys& keys, MutByteSpan cell);

}  // namespace ainet::core
