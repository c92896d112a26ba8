// Fuzzes CREATE processing at a hop with a fixed onion key. Mode bit 0 of the
// first byte: 0 = the input is the blob; 1 = the input is XORed into a valid
// blob, and if the hop's own slot is left intact the hop must accept it.
#include <array>
#include <cstring>

#include "core/handshake.h"
#include "crypto/rng.h"
#include "fuzz_check.h"

using namespace ainet;
using namespace ainet::core;
using wire::kCreateBlobSize;
using wire::kCreateSlotSize;

namespace {

struct Fixture {
  crypto::X25519KeyPair onion;
  std::array<uint8_t, kCreateBlobSize> valid{};
  Fixture() {
    crypto::DeterministicRng rng(42);
    onion = crypto::x25519_generate(rng);
    crypto::X25519KeyPair other = crypto::x25519_generate(rng);
    HopTarget hops[2];
    hops[0].onion_key = onion.pub;
    hops[0].info = encode_hop_info(HopInfo{HopKind::relay, 0, 7, 60, 30});
    hops[1].onion_key = other.pub;
    hops[1].info = encode_hop_info(HopInfo{HopKind::exit, 0, 0, 60, 30});
    EntranceHandshake state;
    FUZZ_CHECK(build_create(hops, rng, state, valid) == Errc::ok);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture fx;
  if (size < 1) return 0;
  const bool xor_mode = data[0] & 1;
  std::array<uint8_t, kCreateBlobSize> blob{};
  const size_t n = std::min(size - 1, kCreateBlobSize);
  if (xor_mode) {
    blob = fx.valid;
    for (size_t i = 0; i < n; ++i) blob[i] ^= data[1 + i];
  } else {
    std::memcpy(blob.data(), data + 1, n);
  }
  bool slot_intact = true;
  if (xor_mode)
    for (size_t i = 0; i < std::min(n, kCreateSlotSize); ++i) slot_intact &= data[1 + i] == 0;

  crypto::DeterministicRng rng(7);
  CreateProcessed out;
  std::array<uint8_t, kCreateBlobSize> next{};
  const Errc e = process_create(fx.onion, blob, rng, out, next);
  if (xor_mode && slot_intact) {
    FUZZ_CHECK(e == Errc::ok);
    auto info = decode_hop_info(out.info);
    FUZZ_CHECK(info.ok() && info->next == 7);
  } else if (xor_mode) {
    FUZZ_CHECK(e == Errc::auth_failed);  // any change to the slot is caught
  } else {
    FUZZ_CHECK(e == Errc::ok || e == Errc::auth_failed);
  }
  // In place gives the same answer.
  crypto::DeterministicRng rng2(7);
  CreateProcessed out2;
  FUZZ_CHECK(process_create(fx.onion, blob, rng2, out2, blob) == e);
  if (e == Errc::ok) FUZZ_CHECK(blob == next);
  return 0;
}
