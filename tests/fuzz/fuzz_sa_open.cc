// Fuzzes inbound ESP and AH processing of fixed SAs (and the SAD in front of
// them). The first input byte picks the SA and the mode:
//   bit 7 clear: the rest of the input is a received packet; open() must not
//     crash and, if it succeeds, must return a payload inside the buffer.
//   bit 7 set:   the rest is a payload; it is sealed with a matching SA, then
//     the first input bytes after the payload length byte pick one byte to
//     XOR. The unmodified packet must open to the same payload; a modified
//     ESP packet (or AH packet outside the mutable header fields) must not.
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/rng.h"
#include "fuzz_check.h"
#include "sa/sad.h"
#include "sa/security_association.h"
#include "wire/constants.h"

using namespace ainet;
using namespace ainet::sa;

namespace {

struct Target {
  Transform transform;
  Framing framing;
  bool v6;
  bool esn;
};

constexpr Target kTargets[] = {
    {Transform::esp_aes128_gcm, Framing::bare, false, false},
    {Transform::esp_aes256_gcm, Framing::ip, false, true},
    {Transform::esp_chacha20_poly1305, Framing::udp, false, false},
    {Transform::esp_aes128_cbc_hmac_sha256, Framing::ip, true, false},
    {Transform::esp_aes256_cbc_hmac_sha256, Framing::bare, false, true},
    {Transform::esp_null_hmac_sha256, Framing::udp, false, true},
    {Transform::esp_aes128_gmac, Framing::bare, false, false},
    {Transform::ah_hmac_sha256, Framing::ip, false, false},
    {Transform::ah_hmac_sha256, Framing::ip, true, true},
    {Transform::ah_aes128_gmac, Framing::ip, false, true},
    {Transform::ah_aes256_gmac, Framing::ip, true, false},
};
constexpr size_t kNumTargets = sizeof(kTargets) / sizeof(kTargets[0]);
constexpr uint32_t kSpi = 0x01020304;

SaConfig config_for(const Target& t) {
  SaConfig c;
  c.spi = kSpi;
  c.transform = t.transform;
  uint8_t km[kMaxKeymatSize];
  for (size_t i = 0; i < sizeof km; ++i) km[i] = static_cast<uint8_t>(i * 11 + 1);
  c.keymat.assign(ByteSpan(km, transform_info(t.transform).keymat_size));
  c.framing = t.framing;
  c.esn = t.esn;
  c.replay_window = 64;
  c.initial_seq = t.esn ? 0xFFFFFFF0ull : 0;
  c.local = t.v6 ? *wire::IpAddress::parse("2001:db8::1") : *wire::IpAddress::parse("192.0.2.1");
  c.remote = t.v6 ? *wire::IpAddress::parse("2001:db8::2") : *wire::IpAddress::parse("192.0.2.2");
  return c;
}

Result<SadOpened> open_via_sad(Sad& sad, Framing f, MutByteSpan pkt) {
  switch (f) {
    case Framing::ip: return sad.open_ip_packet(pkt);
    case Framing::udp: return sad.open_udp_payload(pkt);
    case Framing::bare: return sad.open_esp(pkt);
  }
  return Errc::invalid_argument;
}

bool inside(ByteSpan inner, ByteSpan outer) {
  return inner.empty() ||
         (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

// Outer-header bytes AH lets change (RFC 4302 §3.3.3.1).
bool ah_mutable(bool v6, size_t i) {
  if (v6) return i == 0 || i == 1 || i == 2 || i == 3 || i == 7;
  return i == 1 || i == 6 || i == 7 || i == 8 || i == 10 || i == 11;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t sel = data[0];
  const Target& t = kTargets[(sel & 0x7f) % kNumTargets];
  const SaConfig cfg = config_for(t);
  Sad sad;
  auto rx = SecurityAssociation::create(cfg);
  FUZZ_CHECK(rx);
  FUZZ_CHECK(sad.insert(std::move(*rx)) == Errc::ok);
  const ByteSpan in(data + 1, size - 1);

  if ((sel & 0x80) == 0) {
    std::vector<uint8_t> pkt(in.begin(), in.end());
    auto r = open_via_sad(sad, t.framing, pkt);
    if (r) {
      FUZZ_CHECK(r->sa != nullptr && r->sa->spi() == kSpi);
      FUZZ_CHECK(inside(r->packet.payload, pkt));
    }
    return 0;
  }

  // Seal-then-tamper mode.
  if (in.size() < 2) return 0;
  const size_t flip_at = (size_t{in[0]} << 8) | in[1];
  const uint8_t flip_mask = static_cast<uint8_t>((flip_at * 37) % 255 + 1);  // 1..255, never 0
  const ByteSpan payload = in.subspan(2);
  auto tx = SecurityAssociation::create(cfg);
  FUZZ_CHECK(tx);
  crypto::DeterministicRng rng(sel);
  std::vector<uint8_t> pkt((*tx)->sealed_size(payload.size()));
  auto n = (*tx)->seal(payload, wire::kProtoOnion, pkt, rng);
  if (!n) {
    FUZZ_CHECK(n.error() == Errc::limit);
    return 0;
  }
  FUZZ_CHECK(*n == pkt.size());
  std::vector<uint8_t> copy = pkt;
  auto ok = open_via_sad(sad, t.framing, copy);
  FUZZ_CHECK(ok);
  FUZZ_CHECK(ok->packet.next_header == wire::kProtoOnion);
  FUZZ_CHECK(ok->packet.payload.size() == payload.size());
  FUZZ_CHECK(payload.empty() ||
             std::memcmp(ok->packet.payload.data(), payload.data(), payload.size()) == 0);

  // A second SA that has not seen the packet gets the tampered copy.
  Sad fresh;
  auto rx2 = SecurityAssociation::create(cfg);
  FUZZ_CHECK(rx2);
  FUZZ_CHECK(fresh.insert(std::move(*rx2)) == Errc::ok);
  const size_t i = flip_at % pkt.size();
  const bool is_ah = protocol_of(t.transform) == Protocol::ah;
  const size_t outer = t.framing == Framing::ip ? (t.v6 ? 40 : 20) : 0;
  // The outer header of ESP-in-IP is not covered by ESP; AH's mutable fields are not covered.
  const bool covered = is_ah ? !ah_mutable(t.v6, i) : i >= outer;
  pkt[i] ^= flip_mask;
  auto bad = open_via_sad(fresh, t.framing, pkt);
  if (covered) FUZZ_CHECK(!bad);
  return 0;
}
