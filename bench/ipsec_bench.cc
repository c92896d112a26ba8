// IPsec packet-path microbenchmarks: ainet's SecurityAssociation against the
// bare OpenSSL EVP calls that any implementation must make for the same bytes.
//
// For every transform, every inner packet size (64, 512, 1400 bytes) and both
// directions, two benchmarks run back to back:
//   <op>/<alg>/<size>/ainet  SecurityAssociation::seal_inner_packet / open
//   <op>/<alg>/<size>/evp    just the EVP AEAD / CBC / HMAC / GMAC calls over
//                            exactly the bytes ainet encrypts and authenticates
// op is esp_seal / esp_open for ESP and ah_generate / ah_verify for AH.
// scripts/bench.sh pairs them and prints ratio = ainet / evp.
//
// Fairness rules (so the ratio measures ainet's overhead, not the harness):
//  * Open/verify: both sides cycle over the same number (kRing) of distinct
//    sealed packets and copy each into a work buffer first, because ainet
//    opens in place. Only ainet needs its receiving SA renewed every kRing
//    packets (the replay window refuses a repeated sequence number); that
//    happens with the timer paused.
//  * AES-CBC IVs: ainet draws them from the system CSPRNG (RFC 3602 §3), so
//    the EVP baseline calls RAND_bytes for its IV too.
//  * Tunnel mode over IPv4 (Framing::ip): ainet also builds the outer header,
//    which the baseline does not; that is part of the overhead we measure.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "sa/security_association.h"
#include "ipsec_tool/transform_names.h"
#include "util/bytes.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace {

using namespace ainet;

constexpr size_t kRing = 256;  // distinct packets cycled through by open benchmarks
constexpr std::array<size_t, 3> kSizes{64, 512, 1400};
constexpr uint32_t kSpi = 0x1000;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ipsec_bench: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) die(what);
}

Bytes keymat_for(sa::Transform t) {
  Bytes k(sa::transform_info(t).keymat_size);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0x40 + i * 7);
  return k;
}

// A valid inner IPv4/UDP packet of exactly `size` bytes (the SA only looks at
// the version nibble and the TOS/DF bits, but keep it honest).
Bytes inner_packet(size_t size) {
  Bytes p(size, 0xab);
  p[0] = 0x45;
  store_be16(&p[2], static_cast<uint16_t>(size));
  p[8] = 64;
  p[9] = wire::kProtoUdp;
  const uint8_t src[4] = {10, 1, 0, 1}, dst[4] = {10, 2, 0, 1};
  std::memcpy(&p[12], src, 4);
  std::memcpy(&p[16], dst, 4);
  p[10] = p[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += load_be16(&p[i]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  store_be16(&p[10], static_cast<uint16_t>(~sum));
  return p;
}

std::unique_ptr<sa::SecurityAssociation> make_sa(sa::Transform t, bool outbound) {
  sa::SaConfig cfg;
  cfg.spi = kSpi;
  cfg.transform = t;
  const Bytes k = keymat_for(t);
  check(cfg.keymat.assign(k), "keymat too long");
  cfg.framing = sa::Framing::ip;
  auto a = wire::IpAddress::parse("192.0.2.1");
  auto b = wire::IpAddress::parse("192.0.2.2");
  check(a.ok() && b.ok(), "address parse");
  cfg.local = outbound ? *a : *b;
  cfg.remote = outbound ? *b : *a;
  auto sa = sa::SecurityAssociation::create(cfg);
  check(sa.ok(), "SecurityAssociation::create failed");
  return std::move(*sa);
}

// ---------------------------------------------------------------------------
// Bare EVP primitives: keyed once, per call only the IV/nonce is set, exactly
// as a minimal implementation would do it. No ainet code involved.

struct EvpCipher {
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  EvpCipher(const char* name, ByteSpan key) {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
    check(c != nullptr, "EVP_CIPHER_fetch");
    enc = EVP_CIPHER_CTX_new();
    dec = EVP_CIPHER_CTX_new();
    check(EVP_CipherInit_ex(enc, c, nullptr, key.data(), nullptr, 1) == 1, "init enc");
    check(EVP_CipherInit_ex(dec, c, nullptr, key.data(), nullptr, 0) == 1, "init dec");
    EVP_CIPHER_CTX_set_padding(enc, 0);
    EVP_CIPHER_CTX_set_padding(dec, 0);
    EVP_CIPHER_free(c);
  }
  ~EvpCipher() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
  EvpCipher(const EvpCipher&) = delete;
  EvpCipher& operator=(const EvpCipher&) = delete;

  // AEAD: aad, in -> out (may alias), tag. Returns false on tag mismatch.
  bool aead(bool encrypt, const uint8_t* nonce, ByteSpan aad, const uint8_t* in, uint8_t* out,
            size_t len, uint8_t* tag) {
    EVP_CIPHER_CTX* ctx = encrypt ? enc : dec;
    int n = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nonce, -1) != 1) return false;
    if (EVP_CipherUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) return false;
    if (len && EVP_CipherUpdate(ctx, out, &n, in, static_cast<int>(len)) != 1) return false;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return false;
    uint8_t fin[16];
    if (EVP_CipherFinal_ex(ctx, fin, &n) != 1) return false;
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1) return false;
    return true;
  }
  // Unauthenticated block mode (CBC), whole blocks.
  bool block(bool encrypt, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t len) {
    EVP_CIPHER_CTX* ctx = encrypt ? enc : dec;
    int n = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) != 1) return false;
    if (EVP_CipherUpdate(ctx, out, &n, in, static_cast<int>(len)) != 1) return false;
    return EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
  }
  // GMAC: everything as AAD, empty plaintext.
  bool gmac(const uint8_t* nonce, ByteSpan aad, uint8_t* tag) {
    int n = 0;
    uint8_t fin[16];
    return EVP_CipherInit_ex(enc, nullptr, nullptr, nullptr, nonce, -1) == 1 &&
           EVP_CipherUpdate(enc, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_CipherFinal_ex(enc, fin, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
  }
};

struct EvpHmac {
  EVP_MAC_CTX* ctx = nullptr;
  explicit EvpHmac(ByteSpan key) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    check(mac != nullptr, "EVP_MAC_fetch");
    ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    check(EVP_MAC_init(ctx, key.data(), key.size(), params) == 1, "EVP_MAC_init");
  }
  ~EvpHmac() { EVP_MAC_CTX_free(ctx); }
  EvpHmac(const EvpHmac&) = delete;
  EvpHmac& operator=(const EvpHmac&) = delete;

  // HMAC-SHA-256-128 (RFC 4868): the first 16 bytes of the MAC.
  bool mac128(ByteSpan data, uint8_t* icv) {
    uint8_t full[32];
    size_t n = 0;
    bool ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
              EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
              EVP_MAC_final(ctx, full, &n, sizeof full) == 1;
    std::memcpy(icv, full, 16);
    return ok;
  }
};

const char* cipher_name(sa::Transform t) {
  switch (t) {
    case sa::Transform::esp_aes128_gcm:
    case sa::Transform::ah_aes128_gmac: return "AES-128-GCM";
    case sa::Transform::esp_aes256_gcm:
    case sa::Transform::ah_aes256_gmac: return "AES-256-GCM";
    case sa::Transform::esp_chacha20_poly1305: return "ChaCha20-Poly1305";
    case sa::Transform::esp_aes128_cbc_hmac_sha256: return "AES-128-CBC";
    case sa::Transform::esp_aes256_cbc_hmac_sha256: return "AES-256-CBC";
    default: return nullptr;
  }
}

// The EVP work for one transform on one packet geometry. `packet` is laid out
// like ainet's: ESP = hdr(8) | iv | encrypted region | icv; AH = the bytes
// the ICV covers (the whole outer packet, ICV field zeroed).
class EvpBaseline {
 public:
  explicit EvpBaseline(sa::Transform t) : info_(sa::transform_info(t)) {
    const Bytes k = keymat_for(t);
    const ByteSpan key(k);
    if (const char* name = cipher_name(t)) cipher_ = std::make_unique<EvpCipher>(name, key.first(info_.enc_key_size));
    if (info_.salt_size) std::memcpy(salt_, k.data() + info_.enc_key_size, 4);
    if (info_.auth_key_size)
      hmac_ = std::make_unique<EvpHmac>(key.subspan(info_.enc_key_size + info_.salt_size, info_.auth_key_size));
  }

  // ESP: seals the region in place and writes the ICV. pkt = whole ESP packet.
  bool esp_seal(MutByteSpan esp, uint64_t seq) {
    uint8_t* p = esp.data();
    const size_t body = 8 + info_.iv_size;
    const size_t enc_len = esp.size() - body - info_.icv_size;
    uint8_t* icv = p + body + enc_len;
    if (info_.aead) {
      store_be64(p + 8, seq);  // IV (ainet uses the sequence number too)
      uint8_t nonce[12];
      std::memcpy(nonce, salt_, 4);
      std::memcpy(nonce + 4, p + 8, 8);
      return cipher_->aead(true, nonce, ByteSpan(p, 8), p + body, p + body, enc_len, icv);
    }
    if (info_.cbc) {
      if (RAND_bytes(p + 8, static_cast<int>(info_.iv_size)) != 1) return false;
      if (!cipher_->block(true, p + 8, p + body, p + body, enc_len)) return false;
    }
    return hmac_->mac128(ByteSpan(p, body + enc_len), icv);
  }

  bool esp_open(MutByteSpan esp) {
    uint8_t* p = esp.data();
    const size_t body = 8 + info_.iv_size;
    const size_t enc_len = esp.size() - body - info_.icv_size;
    uint8_t* icv = p + body + enc_len;
    if (info_.aead) {
      uint8_t nonce[12];
      std::memcpy(nonce, salt_, 4);
      std::memcpy(nonce + 4, p + 8, 8);
      return cipher_->aead(false, nonce, ByteSpan(p, 8), p + body, p + body, enc_len, icv);
    }
    uint8_t want[16];
    if (!hmac_->mac128(ByteSpan(p, body + enc_len), want)) return false;
    if (CRYPTO_memcmp(want, icv, 16) != 0) return false;
    return !info_.cbc || cipher_->block(false, p + 8, p + body, p + body, enc_len);
  }

  // AH: ICV over the covered bytes. gmac_iv is the 8-byte RFC 4543 IV.
  bool ah_icv(ByteSpan covered, uint64_t gmac_iv, uint8_t* icv) {
    if (info_.gmac) {
      uint8_t nonce[12];
      std::memcpy(nonce, salt_, 4);
      store_be64(nonce + 4, gmac_iv);
      return cipher_->gmac(nonce, covered, icv);
    }
    return hmac_->mac128(covered, icv);
  }

  const sa::TransformInfo& info() const { return info_; }

 private:
  sa::TransformInfo info_;
  uint8_t salt_[4] = {};
  std::unique_ptr<EvpCipher> cipher_;
  std::unique_ptr<EvpHmac> hmac_;
};

void set_bytes(benchmark::State& state, size_t size) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

// --- ainet -----------------------------------------------------------------

void ainet_seal(benchmark::State& state, sa::Transform t, size_t size) {
  auto sa = make_sa(t, true);
  crypto::SystemRng rng;
  const Bytes inner = inner_packet(size);
  Bytes out(sa->sealed_size(size));
  for (auto _ : state) {
    auto n = sa->seal_inner_packet(inner, out, rng);
    if (!n) {
      state.SkipWithError(std::string(to_string(n.error())).c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

std::vector<Bytes> ainet_sealed_ring(sa::Transform t, size_t size) {
  auto sa = make_sa(t, true);
  crypto::SystemRng rng;
  const Bytes inner = inner_packet(size);
  std::vector<Bytes> ring(kRing, Bytes(sa->sealed_size(size)));
  for (Bytes& b : ring) {
    auto n = sa->seal_inner_packet(inner, b, rng);
    check(n.ok() && *n == b.size(), "ring seal failed");
  }
  return ring;
}

void ainet_open(benchmark::State& state, sa::Transform t, size_t size) {
  const std::vector<Bytes> ring = ainet_sealed_ring(t, size);
  auto sa = make_sa(t, false);
  Bytes work(ring[0].size());
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) {
      state.PauseTiming();
      sa = make_sa(t, false);  // fresh replay window for the same sequence numbers
      i = 0;
      state.ResumeTiming();
    }
    std::memcpy(work.data(), ring[i].data(), work.size());
    auto r = sa->open(work);
    if (!r) {
      state.SkipWithError(std::string(to_string(r.error())).c_str());
      break;
    }
    benchmark::DoNotOptimize(r->payload.data());
    ++i;
  }
  set_bytes(state, size);
}

// --- bare EVP ----------------------------------------------------------------

// Byte geometry of the ainet packet for this transform and size, taken from
// the SA itself so that both sides process exactly the same number of bytes.
struct Geometry {
  size_t esp_len = 0;    // whole ESP packet (sealed size minus the outer header)
  size_t ah_packet = 0;  // whole AH packet (outer + AH + inner)
};

Geometry geometry(sa::Transform t, size_t size) {
  constexpr size_t kOuterIpv4 = 20;
  const size_t sealed = make_sa(t, true)->sealed_size(size);
  Geometry g;
  g.esp_len = sealed - kOuterIpv4;
  g.ah_packet = sealed;
  return g;
}

void evp_esp_seal(benchmark::State& state, sa::Transform t, size_t size) {
  EvpBaseline evp(t);
  const Geometry g = geometry(t, size);
  Bytes esp(g.esp_len, 0x5c);
  uint64_t seq = 0;
  for (auto _ : state) {
    if (!evp.esp_seal(esp, ++seq)) {
      state.SkipWithError("EVP seal failed");
      break;
    }
    benchmark::DoNotOptimize(esp.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

void evp_esp_open(benchmark::State& state, sa::Transform t, size_t size) {
  EvpBaseline evp(t);
  const Geometry g = geometry(t, size);
  std::vector<Bytes> ring(kRing, Bytes(g.esp_len, 0x5c));
  for (size_t k = 0; k < kRing; ++k) check(evp.esp_seal(ring[k], k + 1), "EVP ring seal");
  Bytes work(g.esp_len);
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) i = 0;
    std::memcpy(work.data(), ring[i].data(), work.size());
    if (!evp.esp_open(work)) {
      state.SkipWithError("EVP open failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
    ++i;
  }
  set_bytes(state, size);
}

void evp_ah_generate(benchmark::State& state, sa::Transform t, size_t size) {
  EvpBaseline evp(t);
  const Geometry g = geometry(t, size);
  Bytes pkt(g.ah_packet, 0x5c);
  uint8_t icv[16];
  uint64_t seq = 0;
  for (auto _ : state) {
    if (!evp.ah_icv(pkt, ++seq, icv)) {
      state.SkipWithError("EVP ICV failed");
      break;
    }
    benchmark::DoNotOptimize(icv);
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

void evp_ah_verify(benchmark::State& state, sa::Transform t, size_t size) {
  EvpBaseline evp(t);
  const Geometry g = geometry(t, size);
  std::vector<Bytes> ring(kRing, Bytes(g.ah_packet, 0x5c));
  std::vector<std::array<uint8_t, 16>> icvs(kRing);
  for (size_t k = 0; k < kRing; ++k) {
    store_be64(ring[k].data() + 24, k + 1);  // make the packets distinct
    check(evp.ah_icv(ring[k], k + 1, icvs[k].data()), "EVP ring ICV");
  }
  Bytes work(g.ah_packet);
  uint8_t got[16];
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) i = 0;
    std::memcpy(work.data(), ring[i].data(), work.size());
    if (!evp.ah_icv(work, i + 1, got) || CRYPTO_memcmp(got, icvs[i].data(), 16) != 0) {
      state.SkipWithError("EVP verify failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
    ++i;
  }
  set_bytes(state, size);
}

void register_all() {
  // The algorithm names are the ones ainet_ipsec_tool and the interop tests use.
  for (const sa::Transform alg : tools::all_transforms()) {
    const bool ah = sa::protocol_of(alg) == sa::Protocol::ah;
    const std::string seal_op = ah ? "ah_generate" : "esp_seal";
    const std::string open_op = ah ? "ah_verify" : "esp_open";
    for (size_t size : kSizes) {
      const std::string mid =
          "/" + std::string(tools::transform_name(alg)) + "/" + std::to_string(size);
      const sa::Transform t = alg;
      benchmark::RegisterBenchmark((seal_op + mid + "/ainet").c_str(),
                                   [t, size](benchmark::State& s) { ainet_seal(s, t, size); });
      benchmark::RegisterBenchmark((seal_op + mid + "/evp").c_str(), [t, size, ah](benchmark::State& s) {
        ah ? evp_ah_generate(s, t, size) : evp_esp_seal(s, t, size);
      });
      benchmark::RegisterBenchmark((open_op + mid + "/ainet").c_str(),
                                   [t, size](benchmark::State& s) { ainet_open(s, t, size); });
      benchmark::RegisterBenchmark((open_op + mid + "/evp").c_str(), [t, size, ah](benchmark::State& s) {
        ah ? evp_ah_verify(s, t, size) : evp_esp_open(s, t, size);
      });
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
