// Its own header so that the engine's configuration (engine_api.h) and the
// onion code (onion.h) name the same type.
#pragma once
#include <cstdint>

namespace ainet::core {

// The end-to-end AEAD of every cell (docs/protocol.md "TVT data cell"),
// sealed by the entrance (forward) or the exit (backward) and opened by the
// other. Both ends of an ANT must use the same one, so it is set for the
// whole network ([ant] e2e_aead), as the cell size is. Both take a 32-byte
// key, a 12-byte nonce and give a 16-byte tag, so the cell format, and every
// size on the wire, is the same with either.
// AES-256-GCM is the default: with AES-NI and carry-less multiply it costs
// about half of ChaCha20-Poly1305 per cell (bench/ipsec_bench, 1400 bytes:
// 0.53-0.55 us against 1.04-1.08 us). ChaCha20-Poly1305 is the choice for
// CPUs without them.
enum class E2eAead : uint8_t {
  aes256_gcm,         // NIST SP 800-38D; nonce = the cell nonce's first 12 bytes
  chacha20_poly1305,  // RFC 8439 §2.8
};
inline constexpr E2eAead kDefaultE2eAead = E2eAead::aes256_gcm;

// Cells one e2e key may seal. Every cell's AEAD nonce is random (the first
// 12 bytes of a random cell nonce, through the hops' PRPs on the forward
// way), and NIST SP 800-38D §8.3 bounds a key used with random 96-bit IVs at
// 2^32 invocations, so that the chance of a repeated nonce stays below
// 2^-32 (a repeat would reveal GCM's hash key; for ChaCha20-Poly1305 the
// XOR of two plaintexts). The end that seals refuses more (Errc::limit) and
// the engine retires the ANT (SignalReason::expired); at 1 Gbit/s of full
// cells that is about 13 hours of one ANT, beyond the default lifetime.
inline constexpr uint64_t kMaxE2eSeals = uint64_t{1} << 32;

}  // namespace ainet::core
