// Microbenchmarks of time-slice tickets (docs/protocol.md "Tickets"),
// RSA-2048, each beside the bare OpenSSL operation it is built on, so
// scripts/bench.sh prints the ratio measured in the same run:
//   ticket_sign/rsa2048/ainet    BlindRsaSigner::blind_sign (RSASP1 + the RSAVP1 fault check)
//   ticket_sign/rsa2048/evp      EVP_DigestSign, RSA-PSS SHA-384 (a plain, non-blind signature)
//   ticket_verify/rsa2048/ainet  BlindRsaPublicKey::verify of a ticket message
//   ticket_verify/rsa2048/evp    EVP_DigestVerify, RSA-PSS SHA-384
//   ticket_issue/rsa2048/ainet   TicketIssuer::issue: nonce, Blind, BlindSign, Finalize (+verify)
//   ticket_issue/rsa2048/evp     EVP sign + verify: what a non-blind ticket would cost
// and, unpaired, the parts of the issue path and the hop's whole check:
//   ticket_blind, ticket_finalize, ticket_check (parse, window, spent table, verify, record).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <vector>

#include "core/ticket_issuer.h"
#include "core/ticket_verifier.h"
#include "crypto/blind_rsa.h"
#include "crypto/rng.h"

namespace {

using namespace ainet;
using namespace ainet::core;

constexpr uint64_t kNow = 1'700'000'000;

const crypto::BlindRsaPrivateKey& key() {
  static const crypto::BlindRsaPrivateKey k = *crypto::BlindRsaPrivateKey::generate(2048);
  return k;
}

// The same key as a bare OpenSSL EVP_PKEY (through its PEM).
EVP_PKEY* evp_key() {
  static EVP_PKEY* pk = [] {
    const std::string pem = *key().to_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* p = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return p;
  }();
  return pk;
}

bool evp_pss(EVP_MD_CTX* md, bool sign, ByteSpan msg, uint8_t* sig, size_t* sig_len) {
  EVP_PKEY_CTX* pctx = nullptr;
  const bool init = sign ? EVP_DigestSignInit(md, &pctx, EVP_sha384(), nullptr, evp_key()) == 1
                         : EVP_DigestVerifyInit(md, &pctx, EVP_sha384(), nullptr, evp_key()) == 1;
  if (!init || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1)
    return false;
  return sign ? EVP_DigestSign(md, sig, sig_len, msg.data(), msg.size()) == 1
              : EVP_DigestVerify(md, sig, *sig_len, msg.data(), msg.size()) == 1;
}

wire::TicketMessage sample_message() {
  std::array<uint8_t, 32> nonce{};
  nonce.fill(0x42);
  return wire::ticket_message(1, kNow / 60, nonce);
}

void BM_SignAinet(benchmark::State& st) {
  crypto::DeterministicRng rng(1);
  const crypto::BlindRsaClient client(key().public_key(), kTicketVariant);
  const crypto::BlindRsaSigner signer(key());
  const auto msg = sample_message();
  std::array<uint8_t, 256> blinded{}, out{};
  crypto::BlindInverse inv;
  if (client.blind(msg, rng, blinded, inv) != Errc::ok) st.SkipWithError("blind");
  for (auto _ : st) {
    if (signer.blind_sign(blinded, out) != Errc::ok) st.SkipWithError("blind_sign");
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_SignAinet)->Name("ticket_sign/rsa2048/ainet");

void BM_SignEvp(benchmark::State& st) {
  const auto msg = sample_message();
  std::array<uint8_t, 256> sig{};
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  for (auto _ : st) {
    size_t len = sig.size();
    EVP_MD_CTX_reset(md);
    if (!evp_pss(md, true, msg, sig.data(), &len)) st.SkipWithError("evp sign");
    benchmark::DoNotOptimize(sig.data());
  }
  EVP_MD_CTX_free(md);
}
BENCHMARK(BM_SignEvp)->Name("ticket_sign/rsa2048/evp");

void BM_VerifyAinet(benchmark::State& st) {
  crypto::DeterministicRng rng(2);
  TicketConfig cfg;
  cfg.quota_ants = 1'000'000;
  TicketIssuer issuer(1, key(), cfg);
  auto t = issuer.issue(1, kNow, rng);
  if (!t) st.SkipWithError("issue");
  const auto msg = wire::ticket_message(*t);
  const crypto::BlindRsaPublicKey& pk = key().public_key();
  for (auto _ : st) {
    if (pk.verify(kTicketVariant, msg, t->signature) != Errc::ok) st.SkipWithError("verify");
  }
}
BENCHMARK(BM_VerifyAinet)->Name("ticket_verify/rsa2048/ainet");

void BM_VerifyEvp(benchmark::State& st) {
  const auto msg = sample_message();
  std::array<uint8_t, 256> sig{};
  size_t len = sig.size();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (!evp_pss(md, true, msg, sig.data(), &len)) st.SkipWithError("evp sign");
  for (auto _ : st) {
    EVP_MD_CTX_reset(md);
    if (!evp_pss(md, false, msg, sig.data(), &len)) st.SkipWithError("evp verify");
  }
  EVP_MD_CTX_free(md);
}
BENCHMARK(BM_VerifyEvp)->Name("ticket_verify/rsa2048/evp");

void BM_IssueAinet(benchmark::State& st) {
  crypto::DeterministicRng rng(3);
  TicketConfig cfg;
  cfg.quota_ants = 1'000'000'000;
  TicketIssuer issuer(1, key(), cfg);
  for (auto _ : st) {
    auto t = issuer.issue(7, kNow, rng);
    if (!t) st.SkipWithError("issue");
    benchmark::DoNotOptimize(t->signature.data());
  }
}
BENCHMARK(BM_IssueAinet)->Name("ticket_issue/rsa2048/ainet");

void BM_IssueEvp(benchmark::State& st) {
  crypto::DeterministicRng rng(4);
  std::array<uint8_t, 32> nonce{};
  std::array<uint8_t, 256> sig{};
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  for (auto _ : st) {
    rng.fill(nonce);
    const auto msg = wire::ticket_message(1, kNow / 60, nonce);
    size_t len = sig.size();
    EVP_MD_CTX_reset(md);
    if (!evp_pss(md, true, msg, sig.data(), &len)) st.SkipWithError("evp sign");
    EVP_MD_CTX_reset(md);
    if (!evp_pss(md, false, msg, sig.data(), &len)) st.SkipWithError("evp verify");
    benchmark::DoNotOptimize(sig.data());
  }
  EVP_MD_CTX_free(md);
}
BENCHMARK(BM_IssueEvp)->Name("ticket_issue/rsa2048/evp");

void BM_Blind(benchmark::State& st) {
  crypto::DeterministicRng rng(5);
  const TicketClient client(1, key().public_key());
  TicketClient::Request req;
  for (auto _ : st) {
    if (client.request(kNow / 60, rng, req) != Errc::ok) st.SkipWithError("request");
    benchmark::DoNotOptimize(req.blinded.data());
  }
}
BENCHMARK(BM_Blind)->Name("ticket_blind/rsa2048");

void BM_Finalize(benchmark::State& st) {
  crypto::DeterministicRng rng(6);
  const TicketClient client(1, key().public_key());
  const crypto::BlindRsaSigner signer(key());
  TicketClient::Request req;
  std::array<uint8_t, 256> blind_sig{};
  if (client.request(kNow / 60, rng, req) != Errc::ok ||
      signer.blind_sign(req.blinded, blind_sig) != Errc::ok)
    st.SkipWithError("setup");
  for (auto _ : st) {
    auto t = client.finish(req, blind_sig);
    if (!t) st.SkipWithError("finish");
    benchmark::DoNotOptimize(t->signature.data());
  }
}
BENCHMARK(BM_Finalize)->Name("ticket_finalize/rsa2048");

// The hop's whole check of a fresh ticket. Tickets are made in advance (one
// RSA signature each); a new verifier is set up, untimed, per pass over them.
void BM_Check(benchmark::State& st) {
  crypto::DeterministicRng rng(7);
  TicketConfig cfg;
  cfg.quota_ants = 1'000'000;
  cfg.issuer_cap = 1'000'000;
  TicketIssuer issuer(1, key(), cfg);
  std::vector<std::array<uint8_t, wire::kTicketSize>> pool(256);
  for (auto& f : pool) {
    auto t = issuer.issue(1, kNow, rng);
    if (!t || wire::serialize_ticket(*t, f) != Errc::ok) st.SkipWithError("issue");
  }
  std::vector<AinEntry> es(1);
  es[0].id = 1;
  es[0].name = "ain1";
  es[0].ticket_key = key().public_key();
  const Directory dir = make_directory(1, 0, es).directory;
  auto verifier = std::make_unique<TicketVerifier>(cfg, rng);
  verifier->set_issuers(dir);
  size_t i = 0;
  for (auto _ : st) {
    if (i == pool.size()) {
      st.PauseTiming();
      verifier = std::make_unique<TicketVerifier>(cfg, rng);
      verifier->set_issuers(dir);
      i = 0;
      st.ResumeTiming();
    }
    if (verifier->check(pool[i++], kNow) != TicketVerdict::ok) st.SkipWithError("check");
  }
}
BENCHMARK(BM_Check)->Name("ticket_check/rsa2048");

}  // namespace

BENCHMARK_MAIN();
