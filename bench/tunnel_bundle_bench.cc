// The ESP+AH bundle of PVTs and customer tunnels (core::TunnelBundle, ip
// carrier: outer IPv4 | AH HMAC-SHA-256-128 | ESP AES-256-GCM | payload), as a
// ratio to the bare OpenSSL cost of the same cryptography in the same run.
//
//   bundle_seal/esp-aes256-gcm+ah-hmac-sha256/<size>/ainet  TunnelBundle::seal
//   bundle_seal/.../evp    AES-256-GCM over the ESP body (8-byte AAD), then
//                          HMAC-SHA-256 over the whole outer packet
//   bundle_open/.../ainet  TunnelBundle::open (AH verify, ESP decrypt, replay)
//   bundle_open/.../evp    HMAC-SHA-256 over the packet, AES-256-GCM decrypt
//                          with tag check
// Open: both sides copy each pre-sealed packet into a work buffer first (the
// open works in place) and cycle through the same batch; the ainet side gets
// a fresh receiving bundle (timing paused) when the replay window has seen
// the whole batch.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/tunnel_bundle.h"
#include "crypto/rng.h"
#include "wire/constants.h"

namespace {

using namespace ainet;

constexpr size_t kBatch = 512;
constexpr size_t kOuter = 20;       // IPv4 header, no options
constexpr size_t kAh = 12 + 16;     // AH with a 16-byte ICV (RFC 4302 §2, RFC 4868)
constexpr size_t kEspHead = 8 + 8;  // SPI, seq, GCM IV (RFC 4106 §3)

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tunnel_bundle_bench: %s\n", what);
  std::abort();
}

core::BundleKeys keys(uint32_t spi_base, uint8_t fill) {
  core::BundleKeys k;
  k.esp_spi = spi_base | 1;
  k.esp_key.assign(36, fill);
  k.ah_spi = spi_base | 2;
  k.ah_key.assign(32, static_cast<uint8_t>(fill + 1));
  return k;
}

core::TunnelBundle bundle(bool sender) {
  const auto a = wire::IpAddress::parse("10.0.0.1").value();
  const auto b = wire::IpAddress::parse("10.0.0.2").value();
  const core::BundleKeys ab = keys(0x10000, 0x31), ba = keys(0x20000, 0x41);
  auto r = sender ? core::TunnelBundle::create(core::Carrier::ip, ab, ba, a, b, 1024)
                  : core::TunnelBundle::create(core::Carrier::ip, ba, ab, b, a, 1024);
  if (!r) die("bundle");
  return std::move(r.value());
}

Result<ByteSpan> seal(core::TunnelBundle& t, ByteSpan payload, Bytes& out, crypto::Rng& rng) {
  return t.seal(payload, wire::kProtoIpv4, out, rng);
}

struct Fixture {
  crypto::DeterministicRng rng{12};
  core::TunnelBundle tx = bundle(true), rx = bundle(false);
  std::vector<Bytes> batch;
  Bytes payload, out, work;

  explicit Fixture(size_t size) : payload(size), out(size + 256), work(size + 256) {
    rng.fill(payload);
    for (size_t i = 0; i < kBatch; ++i) {
      auto s = seal(tx, payload, out, rng);
      if (!s) die("seal");
      batch.emplace_back(s->begin(), s->end());
    }
    if (batch[0][kOuter + 1] != kAh / 4 - 2) die("unexpected AH length");
  }
};

struct Evp {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* hmac = EVP_MAC_CTX_new(mac);
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  uint8_t tag[32] = {};

  Evp() {
    const uint8_t key[32] = {1};
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (!EVP_MAC_init(hmac, key, sizeof key, params) ||
        !EVP_EncryptInit_ex(enc, EVP_aes_256_gcm(), nullptr, key, nullptr) ||
        !EVP_DecryptInit_ex(dec, EVP_aes_256_gcm(), nullptr, key, nullptr))
      die("evp init");
  }
  ~Evp() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    EVP_MAC_CTX_free(hmac);
    EVP_MAC_free(mac);
  }
  void mac_over(const uint8_t* p, size_t n) {
    size_t tl = 0;
    if (!EVP_MAC_init(hmac, nullptr, 0, nullptr) || !EVP_MAC_update(hmac, p, n) ||
        !EVP_MAC_final(hmac, tag, &tl, sizeof tag))
      die("hmac");
  }
  // GCM over the ESP body of packet p (n bytes): nonce from the IV, AAD = SPI || seq.
  void gcm(EVP_CIPHER_CTX* c, uint8_t* p, size_t n, bool seal) {
    uint8_t* esp = p + kOuter + kAh;
    const size_t body = n - kOuter - kAh - kEspHead - 16;
    uint8_t nonce[12] = {9};
    std::memcpy(nonce + 4, esp + 8, 8);
    int outl = 0;
    if (!EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce, -1) ||
        !EVP_CipherUpdate(c, nullptr, &outl, esp, 8) ||
        !EVP_CipherUpdate(c, esp + kEspHead, &outl, esp + kEspHead, int(body)))
      die("gcm");
    uint8_t* t = esp + kEspHead + body;
    if (!seal && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, t)) die("gcm tag");
    uint8_t scratch[16];
    (void)EVP_CipherFinal_ex(c, scratch, &outl);  // open: the tag is garbage here
    if (seal && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, t)) die("gcm tag");
  }
};

void ainet_seal(benchmark::State& st, size_t size) {
  Fixture f(size);
  for (auto _ : st) {
    auto s = seal(f.tx, f.payload, f.out, f.rng);
    if (!s) die("seal");
    benchmark::DoNotOptimize(f.out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size));
}

void evp_seal(benchmark::State& st, size_t size) {
  Fixture f(size);
  Evp e;
  const size_t n = f.batch[0].size();
  for (auto _ : st) {
    // The payload goes where ESP carries it, as a sealing SA would write it.
    std::memcpy(f.out.data() + kOuter + kAh + kEspHead, f.payload.data(), size);
    e.gcm(e.enc, f.out.data(), n, true);
    e.mac_over(f.out.data(), n);
    benchmark::DoNotOptimize(f.out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size));
}

void ainet_open(benchmark::State& st, size_t size) {
  Fixture f(size);
  size_t i = 0;
  for (auto _ : st) {
    if (i == kBatch) {
      st.PauseTiming();
      f.rx = bundle(false);
      i = 0;
      st.ResumeTiming();
    }
    const Bytes& p = f.batch[i++];
    std::memcpy(f.work.data(), p.data(), p.size());
    auto o = f.rx.open(MutByteSpan(f.work.data(), p.size()));
    if (!o) die("open");
    benchmark::DoNotOptimize(o->payload.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size));
}

void evp_open(benchmark::State& st, size_t size) {
  Fixture f(size);
  Evp e;
  size_t i = 0;
  for (auto _ : st) {
    if (i == kBatch) i = 0;
    const Bytes& p = f.batch[i++];
    std::memcpy(f.work.data(), p.data(), p.size());
    e.mac_over(f.work.data(), p.size());
    e.gcm(e.dec, f.work.data(), p.size(), false);
    benchmark::DoNotOptimize(f.work.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size));
}

}  // namespace

int main(int argc, char** argv) {
  for (size_t size : {64, 512, 1400}) {
    const std::string mid = "/esp-aes256-gcm+ah-hmac-sha256/" + std::to_string(size);
    benchmark::RegisterBenchmark(("bundle_seal" + mid + "/ainet").c_str(),
                                 [size](benchmark::State& s) { ainet_seal(s, size); });
    benchmark::RegisterBenchmark(("bundle_seal" + mid + "/evp").c_str(),
                                 [size](benchmark::State& s) { evp_seal(s, size); });
    benchmark::RegisterBenchmark(("bundle_open" + mid + "/ainet").c_str(),
                                 [size](benchmark::State& s) { ainet_open(s, size); });
    benchmark::RegisterBenchmark(("bundle_open" + mid + "/evp").c_str(),
                                 [size](benchmark::State& s) { evp_open(s, size); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
