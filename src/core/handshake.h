// The per-hop ntor-like handshake and the CREATE / CREATED blobs
// (docs/protocol.md "Per-hop handshake").
//
// Entrance:  build_create()  -> 896-byte CREATE blob + EntranceHandshake
//            open_created()  -> checks every hop's Y/auth, yields HopKeys[]
// Each hop:  process_create() -> its info, HopKeys, shifted CREATE blob, and a
//            CreatedReply kept until CREATED comes back;
//            exit: start_created(); relays: wrap_created().
// Hops are indexed h = 0..n-2 (AIN_2..AIN_n); the last is the exit.
// Done once per ANT per hop, not per packet; no heap allocation.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/shaping_profile.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"
#include "wire/signaling.h"

namespace ainet::core {

constexpr size_t kHopInfoSize = 64;
constexpr size_t kCreatedAuthSize = 16;
using HopInfoBytes = std::array<uint8_t, kHopInfoSize>;

// Forward-secret keys of one hop (HKDF "ainet-hop-v1", L = 224, in this order).
struct HopKeys {
  Secret<32> fwd_layer;  // AES-256-CTR onion layer, entrance -> exit
  Secret<32> bwd_layer;  // AES-256-CTR onion layer, exit -> entrance
  Secret<32> fwd_prp;    // AES-256 PRP on the cell nonce, forward
  Secret<32> bwd_prp;    // AES-256 PRP on the cell nonce, backward
  Secret<32> auth;       // HMAC key of auth_h in CREATED
  Secret<32> e2e_fwd;    // ChaCha20-Poly1305, entrance -> exit (exit only)
  Secret<32> e2e_bwd;    // ChaCha20-Poly1305, exit -> entrance (exit only)
};

// The 64-byte routing info each hop finds in its CREATE slot.
enum class HopKind : uint8_t { relay = 0, exit = 1 };
constexpr uint8_t kHopFlagResponder = 0x01;  // exit: deliver to registered responder
struct HopInfo {
  HopKind kind = HopKind::relay;
  uint8_t flags = 0;
  uint32_t next = 0;  // relay: next AIN id; exit with kHopFlagResponder: responder id
  uint32_t hard_lifetime_s = 0;  // 0 = none
  uint32_t inactivity_s = 0;
  // Exit: the profile its backward cells follow (bytes 16..63; all zero =
  // off, which is what an entrance that does not shape writes).
  ShapingProfile shaping;

  bool operator==(const HopInfo&) const = default;
};
HopInfoBytes encode_hop_info(const HopInfo& info);
// Errc::malformed for an unknown kind or unknown flag bits.
Result<HopInfo> decode_hop_info(std::span<const uint8_t, kHopInfoSize> bytes);

// What the entrance knows about hop h when building CREATE.
struct HopTarget {
  crypto::PublicKey onion_key{};  // B_h from the directory
  HopInfoBytes info{};
};

// Entrance-side state between CREATE and CREATED. Wiped by open_created()
// and on destruction (all secrets are Secret<>).
struct EntranceHandshake {
  struct Hop {
    crypto::PublicKey b{};     // B_h
    crypto::PublicKey x_pub{}; // X_h
    crypto::PrivateKey x;      // x_h, wiped after open_created
    Secret<32> xb;             // X25519(x_h, B_h)
    Secret<32> stream_key;     // CREATE layer stream key (also CREATED layer)
  };
  // hop_count entries (build_create sizes it): a fixed kMaxHops array made
  // every ANT under construction hold 1.5 KB for a 3-hop route until CREATED
  // came back, which a burst of set-ups left behind as heap holes (issue 10).
  std::vector<Hop> hops;
  size_t hop_count = 0;
  void wipe();
};

// hops.size() in 1..kMaxHops; blob_out.size() == kCreateBlobSize.
// Errc::invalid_argument otherwise; crypto errors pass through.
[[nodiscard]] Errc build_create(std::span<const HopTarget> hops, crypto::Rng& rng,
                                EntranceHandshake& state, MutByteSpan blob_out);

// What a hop keeps from CREATE until its CREATED slot is written.
struct CreatedReply {
  crypto::PublicKey y_pub{};
  std::array<uint8_t, kCreatedAuthSize> auth{};
  Secret<32> stream_key;  // this hop's CREATE layer stream key
};

struct CreateProcessed {
  HopInfoBytes info{};
  HopKeys keys;
  CreatedReply reply;
};

// Opens this hop's slot with the static onion key pair (b, B), derives the
// hop keys with a fresh y (wiped before return), and writes the shifted blob
// (7 remaining slots decrypted one layer, then 112 random bytes) to blob_out.
// blob_in and blob_out are kCreateBlobSize bytes; they may be the same
// buffer (in place) but must not otherwise overlap.
// Errc::auth_failed if the slot does not open (tampered CREATE: answer
// CREATE_FAILED(auth), keep no state); Errc::invalid_argument on sizes.
[[nodiscard]] Errc process_create(const crypto::X25519KeyPair& onion, ByteSpan blob_in,
                                  crypto::Rng& rng, CreateProcessed& out, MutByteSpan blob_out);
// The same with the onion key's derive context kept across CREATEs (what
// the engine holds): each CREATE then imports only X.
[[nodiscard]] Errc process_create(crypto::X25519StaticKey& onion, ByteSpan blob_in,
                                  crypto::Rng& rng, CreateProcessed& out, MutByteSpan blob_out);

// Exit: writes its slot, 7 random slots, then its CREATED layer over all
// 512 bytes. blob.size() == kCreatedBlobSize.
[[nodiscard]] Errc start_created(const CreatedReply& reply, crypto::Rng& rng, MutByteSpan blob);
// Relay on the way back: shifts the blob right one slot (dropping the last),
// writes its slot at the front, adds its CREATED layer. In place.
[[nodiscard]] Errc wrap_created(const CreatedReply& reply, MutByteSpan blob);

// Entrance: peels every hop's CREATED layer (in place), checks each slot's
// status and auth_h against the hop's B_h/X_h/Y_h, and writes keys_out[h]
// for h < state.hop_count (keys_out.size() >= hop_count). state is wiped on
// return whatever the outcome. Errc::auth_failed (bad auth or Y), with
// *failed_hop set to the hop index when failed_hop != nullptr.
[[nodiscard]] Errc open_created(EntranceHandshake& state, MutByteSpan blob,
                                std::span<HopKeys> keys_out, size_t* failed_hop = nullptr);

}  // namespace ainet::core
