// Fuzzes the ticket codec (wire/ticket.*) and the verifier's refusal paths
// (core/ticket_verifier.*): whatever parses re-serialises to the same bytes;
// the verifier, holding a real issuer key for AIN 1, never accepts a fuzzed
// ticket (that would be a forged RSA signature), never crashes, and moves
// exactly one refusal counter per input.
#include <algorithm>
#include <array>
#include <memory>

#include "core/directory.h"
#include "core/ticket_verifier.h"
#include "crypto/blind_rsa.h"
#include "crypto/rng.h"
#include "fuzz_check.h"
#include "wire/ticket.h"

using namespace ainet;
using namespace ainet::core;

namespace {

struct State {
  crypto::DeterministicRng rng{1};
  TicketConfig cfg;
  std::unique_ptr<TicketVerifier> verifier;
  State() {
    cfg.enabled = true;
    cfg.spent_capacity = 64;
    auto key = crypto::BlindRsaPrivateKey::generate(2048);
    FUZZ_CHECK(key.ok());
    std::vector<AinEntry> es(2);
    es[0].id = 1;
    es[0].name = "ain1";
    es[0].ticket_key = key->public_key();
    es[1].id = 2;
    es[1].name = "ain2";  // no ticket key
    auto d = make_directory(1, 0, es);
    FUZZ_CHECK(d.ok());
    verifier = std::make_unique<TicketVerifier>(cfg, rng);
    verifier->set_issuers(d.directory);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto t = wire::parse_ticket(in);
  uint64_t now = 1'700'000'000;
  if (t) {
    FUZZ_CHECK(size == wire::kTicketSize);
    std::array<uint8_t, wire::kTicketSize> out{};
    FUZZ_CHECK(wire::serialize_ticket(*t, out) == Errc::ok);
    FUZZ_CHECK(std::equal(out.begin(), out.end(), data));
    auto again = wire::parse_ticket(out);
    FUZZ_CHECK(again.ok() && *again == *t);
    // Aim the clock at the ticket's slice (mostly), so the input reaches the
    // issuer, spent-table and signature checks rather than stopping at "expired".
    if (t->slice < UINT64_MAX / 60 && (data[16] & 3) != 0) now = t->slice * 60 + data[17] % 60;
  } else {
    FUZZ_CHECK(t.error() == Errc::malformed);
  }
  static State st;
  const TicketStats before = st.verifier->stats();
  const TicketVerdict v = st.verifier->check(in, now);
  FUZZ_CHECK(v != TicketVerdict::ok);
  FUZZ_CHECK(st.verifier->stats().accepted == 0);
  FUZZ_CHECK(st.verifier->stats().refused() == before.refused() + 1);
  if (!t) FUZZ_CHECK(v == TicketVerdict::missing || v == TicketVerdict::malformed);
  return 0;
}
