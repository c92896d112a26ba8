// The cost of forwarding one full cell at an intermediate AIN (issue 3), as a
// ratio to the bare OpenSSL cost of the same cryptography in the same run.
//
// ainet side: exactly what an intermediate does with a data cell between the
// engine's SPI lookup and the send: open the inbound TVT (AH HMAC-SHA-256-128,
// ESN, replay window), peel one onion layer in place (AES-256-CTR over the
// body, AES-256-ECB on the nonce: core/onion.h relay_forward), and seal the
// outbound TVT (AH with a fresh outer header). The engine's hash lookup and
// counters are not included.
// evp side: the same primitives on the same byte counts, called directly:
// HMAC-SHA-256 over the inbound packet, CTR over the body, one ECB block,
// HMAC-SHA-256 over the outbound packet.
// Both sides copy each pre-sealed packet into a work buffer first (the open
// works in place), and both cycle through the same batch; the ainet side
// re-seals a fresh batch (timing paused) when the replay window needs new
// sequence numbers.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/handshake.h"
#include "core/onion.h"
#include "crypto/rng.h"
#include "sa/security_association.h"
#include "wire/constants.h"

namespace {

using namespace ainet;

constexpr size_t kBatch = 512;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "forward_bench: %s\n", what);
  std::abort();
}

std::unique_ptr<sa::SecurityAssociation> ah_sa(uint32_t spi, ByteSpan key, const char* local,
                                               const char* remote, uint64_t initial_seq) {
  sa::SaConfig cfg;
  cfg.spi = spi;
  cfg.transform = sa::Transform::ah_hmac_sha256;
  if (!cfg.keymat.assign(key)) die("keymat");
  cfg.framing = sa::Framing::ip;
  cfg.esn = true;
  cfg.initial_seq = initial_seq;
  cfg.local = wire::IpAddress::parse(local).value();
  cfg.remote = wire::IpAddress::parse(remote).value();
  auto r = sa::SecurityAssociation::create(cfg);
  if (!r) die("sa create");
  return std::move(r.value());
}

struct Fixture {
  crypto::DeterministicRng rng{11};
  Bytes key_in = Bytes(32, 0x11), key_out = Bytes(32, 0x22);
  // prev hop -> this AIN (sender side only used to make packets).
  std::unique_ptr<sa::SecurityAssociation> prev_out = ah_sa(0x1001, key_in, "10.0.0.1", "10.0.0.2", 1000);
  std::unique_ptr<sa::SecurityAssociation> in = ah_sa(0x1001, key_in, "10.0.0.2", "10.0.0.1", 1000);
  std::unique_ptr<sa::SecurityAssociation> out = ah_sa(0x2002, key_out, "10.0.0.2", "10.0.0.3", 5000);
  std::unique_ptr<core::HopOnionKeys> hop;
  std::vector<Bytes> batch;
  Bytes work, sent;

  Fixture() {
    core::HopKeys k;
    for (Secret<32>* s : {&k.fwd_layer, &k.bwd_layer, &k.fwd_prp, &k.bwd_prp, &k.auth, &k.e2e_fwd,
                          &k.e2e_bwd}) {
      s->resize(32);
      rng.fill(s->mut_span());
    }
    auto h = core::make_hop_onion_keys(k, core::kDefaultCellSize);
    if (!h) die("onion keys");
    hop = std::make_unique<core::HopOnionKeys>(std::move(h.value()));
    refill();
    work.resize(batch[0].size());
    sent.resize(out->sealed_size(core::kDefaultCellSize));
  }
  void refill() {
    batch.clear();
    Bytes cell(core::kDefaultCellSize);
    for (size_t i = 0; i < kBatch; ++i) {
      rng.fill(cell);
      Bytes p(prev_out->sealed_size(cell.size()));
      auto n = prev_out->seal(cell, wire::kProtoOnion, p, rng);
      if (!n) die("seal");
      p.resize(*n);
      batch.push_back(std::move(p));
    }
  }
};

void BM_IntermediateForward_ainet(benchmark::State& st) {
  Fixture f;
  size_t i = 0;
  for (auto _ : st) {
    if (i == kBatch) {
      st.PauseTiming();
      f.refill();
      i = 0;
      st.ResumeTiming();
    }
    const Bytes& p = f.batch[i++];
    std::memcpy(f.work.data(), p.data(), p.size());
    auto o = f.in->open(MutByteSpan(f.work.data(), p.size()));
    if (!o) die("open");
    if (core::relay_forward(*f.hop, o->payload) != Errc::ok) die("relay");
    auto n = f.out->seal(o->payload, wire::kProtoOnion, f.sent, f.rng);
    if (!n) die("seal out");
    benchmark::DoNotOptimize(f.sent.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(core::kDefaultCellSize));
}
BENCHMARK(BM_IntermediateForward_ainet)->Name("intermediate_forward/ah-hmac-sha256/1400/ainet");

void BM_IntermediateForward_evp(benchmark::State& st) {
  Fixture f;
  const size_t in_len = f.batch[0].size(), out_len = f.sent.size();
  const size_t body = core::kDefaultCellSize - 16;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* hin = EVP_MAC_CTX_new(mac);
  EVP_MAC_CTX* hout = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                         OSSL_PARAM_construct_end()};
  if (!EVP_MAC_init(hin, f.key_in.data(), 32, params) || !EVP_MAC_init(hout, f.key_out.data(), 32, params))
    die("hmac init");
  EVP_CIPHER_CTX* ctr = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* ecb = EVP_CIPHER_CTX_new();
  uint8_t k[32] = {1}, iv[16] = {2}, tag[32];
  if (!EVP_EncryptInit_ex(ctr, EVP_aes_256_ctr(), nullptr, k, iv) ||
      !EVP_EncryptInit_ex(ecb, EVP_aes_256_ecb(), nullptr, k, nullptr))
    die("cipher init");
  EVP_CIPHER_CTX_set_padding(ecb, 0);
  size_t i = 0;
  int outl = 0;
  size_t tl = 0;
  for (auto _ : st) {
    if (i == kBatch) i = 0;
    const Bytes& p = f.batch[i++];
    std::memcpy(f.work.data(), p.data(), in_len);
    if (!EVP_MAC_init(hin, nullptr, 0, nullptr) || !EVP_MAC_update(hin, f.work.data(), in_len) ||
        !EVP_MAC_final(hin, tag, &tl, sizeof(tag)))
      die("hmac in");
    uint8_t* cell = f.work.data() + (in_len - core::kDefaultCellSize);
    if (!EVP_EncryptInit_ex(ctr, nullptr, nullptr, nullptr, cell) ||
        !EVP_EncryptUpdate(ctr, cell + 16, &outl, cell + 16, int(body)) ||
        !EVP_EncryptUpdate(ecb, cell, &outl, cell, 16))
      die("cipher");
    std::memcpy(f.sent.data() + (out_len - core::kDefaultCellSize), cell, core::kDefaultCellSize);
    if (!EVP_MAC_init(hout, nullptr, 0, nullptr) || !EVP_MAC_update(hout, f.sent.data(), out_len) ||
        !EVP_MAC_final(hout, tag, &tl, sizeof(tag)))
      die("hmac out");
    benchmark::DoNotOptimize(f.sent.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(core::kDefaultCellSize));
  EVP_CIPHER_CTX_free(ctr);
  EVP_CIPHER_CTX_free(ecb);
  EVP_MAC_CTX_free(hin);
  EVP_MAC_CTX_free(hout);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_IntermediateForward_evp)->Name("intermediate_forward/ah-hmac-sha256/1400/evp");

}  // namespace

BENCHMARK_MAIN();
