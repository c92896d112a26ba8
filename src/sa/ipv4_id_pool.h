// Random outer IPv4 Identification values for one SA, drawn from the Rng in
// batches.
//
// Why random: RFC 6864 §4.1 lets an atomic datagram (DF set) carry any ID and
// §4.2 asks a fragmentable one for an ID that does not repeat soon; a
// constant would make the first 8 outer header bytes identical on every link
// of an ANT, so every sealed IPv4 packet gets a fresh uniformly random ID.
//
// Why batched: one Rng call per packet (OpenSSL 3.0 RAND_bytes costs ~2-3 us
// of fixed overhead per call, almost independent of the length) cost more
// than the AEAD of a 1400-byte packet. One call fills kIds IDs, so the RNG
// cost per packet is 1/kIds of a call. Every ID is still two fresh bytes of
// the Rng, used once, so the IDs stay independent and uniform on [0, 65535].
//
// Memory: 264 bytes per pool (kIds * 2 + the index), allocated once with the
// SA; next() never allocates. Only SAs that build an outer IPv4 header
// (Framing::ip towards an IPv4 peer) own one; every other SA pays just the
// pointer (SecurityAssociation::create()). For scale: a whole SA with its
// OpenSSL contexts takes ~1.7-3.1 KB of heap (AES-GCM ~3.1 KB).
#pragma once
#include <cstddef>
#include <cstdint>

#include "crypto/rng.h"

namespace ainet::sa {

class Ipv4IdPool {
 public:
  static constexpr size_t kIds = 128;  // IDs per Rng call

  // The next unused random ID; refills all kIds from `rng` (one fill() call)
  // when the batch is used up.
  uint16_t next(crypto::Rng& rng);

 private:
  uint8_t bytes_[kIds * 2] = {};  // kIds big-endian 16-bit values
  size_t used_ = sizeof(bytes_);  // bytes handed out; starts empty, so the first next() fills
};

}  // namespace ainet::sa
