// Ticket verifier (docs/protocol.md "Tickets"): every refusal moves exactly
// its own counter and leaves no other state; the spent tables are bounded;
// slices roll over; the grace at slice boundaries.
#include "core/ticket_verifier.h"

#include <gtest/gtest.h>

#include "core/ticket_issuer.h"
#include "crypto/rng.h"
#include "ticket_test_keys.h"

namespace ainet::core {
namespace {

constexpr uint64_t kSlice = 60;
constexpr uint64_t kT0 = 1'700'000'000 / kSlice * kSlice + 30;  // mid-slice
constexpr NodeId kIssuer = 1, kIssuer2 = 2, kNoKey = 3;

Directory directory() {
  std::vector<AinEntry> es(3);
  for (NodeId i = 0; i < 3; ++i) {
    es[i].id = i + 1;
    es[i].name = "ain" + std::to_string(i + 1);
  }
  es[0].ticket_key = test_keys::ticket_key(0).public_key();
  es[1].ticket_key = test_keys::ticket_key(1).public_key();
  // es[2] (kNoKey) issues no tickets.
  auto d = make_directory(1, 0, es);
  EXPECT_TRUE(d.ok()) << d.message;
  return d.directory;
}

TicketConfig config() {
  TicketConfig c;
  c.enabled = true;
  c.slice_seconds = kSlice;
  c.grace_seconds = 5;
  c.quota_ants = 1000;
  c.issuer_cap = 1000;
  c.spent_capacity = 1000;
  return c;
}

struct Fixture {
  crypto::DeterministicRng rng{7};
  TicketConfig cfg = config();
  TicketIssuer issuer1{kIssuer, test_keys::ticket_key(0), cfg};
  TicketIssuer issuer2{kIssuer2, test_keys::ticket_key(1), cfg};

  Bytes ticket(TicketIssuer& is, uint64_t now, uint32_t customer = 9) {
    auto t = is.issue(customer, now, rng);
    EXPECT_TRUE(t.ok()) << to_string(t.error());
    Bytes out(wire::kTicketSize);
    EXPECT_EQ(wire::serialize_ticket(*t, out), Errc::ok);
    return out;
  }
  TicketVerifier verifier(const TicketConfig& c) {
    TicketVerifier v(c, rng);
    v.set_issuers(directory());
    return v;
  }
};

// Expects `v` refused `field` with `want`, that only that counter moved and
// that nothing was recorded.
void expect_refusal(TicketVerifier& v, ByteSpan field, uint64_t now, TicketVerdict want,
                    uint64_t TicketStats::*counter) {
  const TicketStats before = v.stats();
  const uint64_t slice = now / kSlice;
  const uint32_t spent[3] = {v.spent_in_slice(slice - 1), v.spent_in_slice(slice),
                             v.spent_in_slice(slice + 1)};
  const uint32_t from1 = v.accepted_from(kIssuer, slice);
  EXPECT_EQ(v.check(field, now), want) << to_string(want);
  TicketStats expected = before;
  ++(expected.*counter);
  EXPECT_EQ(v.stats(), expected) << "only the " << to_string(want) << " counter may move";
  EXPECT_EQ(v.spent_in_slice(slice - 1), spent[0]);
  EXPECT_EQ(v.spent_in_slice(slice), spent[1]);
  EXPECT_EQ(v.spent_in_slice(slice + 1), spent[2]);
  EXPECT_EQ(v.accepted_from(kIssuer, slice), from1);
}

TEST(TicketVerifier, AcceptsAValidTicketOnceAndRecordsIt) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  EXPECT_EQ(v.issuer_count(), 2u);
  const Bytes t = f.ticket(f.issuer1, kT0);
  EXPECT_EQ(v.check(t, kT0), TicketVerdict::ok);
  EXPECT_EQ(v.stats().accepted, 1u);
  EXPECT_EQ(v.stats().refused(), 0u);
  EXPECT_EQ(v.spent_in_slice(kT0 / kSlice), 1u);
  EXPECT_EQ(v.accepted_from(kIssuer, kT0 / kSlice), 1u);
  expect_refusal(v, t, kT0 + 1, TicketVerdict::reused, &TicketStats::reused);
}

TEST(TicketVerifier, MissingAndMalformed) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  expect_refusal(v, {}, kT0, TicketVerdict::missing, &TicketStats::missing);
  const Bytes zero(wire::kTicketSize, 0);
  expect_refusal(v, zero, kT0, TicketVerdict::missing, &TicketStats::missing);
  Bytes t = f.ticket(f.issuer1, kT0);
  Bytes bad_version = t;
  bad_version[0] = 2;
  expect_refusal(v, bad_version, kT0, TicketVerdict::malformed, &TicketStats::malformed);
  expect_refusal(v, ByteSpan(t).first(100), kT0, TicketVerdict::malformed, &TicketStats::malformed);
  // The good ticket was never recorded by those refusals.
  EXPECT_EQ(v.check(t, kT0), TicketVerdict::ok);
}

TEST(TicketVerifier, ForgedUnknownIssuerNoKeyOrBadSignature) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  const Bytes good = f.ticket(f.issuer1, kT0);
  // A flipped signature bit.
  Bytes bad_sig = good;
  bad_sig[wire::kTicketOffSignature + 17] ^= 0x04;
  expect_refusal(v, bad_sig, kT0, TicketVerdict::forged, &TicketStats::forged);
  // A changed nonce (the signed message no longer matches).
  Bytes bad_nonce = good;
  bad_nonce[wire::kTicketOffNonce] ^= 0x01;
  expect_refusal(v, bad_nonce, kT0, TicketVerdict::forged, &TicketStats::forged);
  // Issuer 2's ticket relabelled as issuer 1's: verified with the wrong key.
  Bytes relabelled = f.ticket(f.issuer2, kT0);
  store_be32(relabelled.data() + wire::kTicketOffIssuer, kIssuer);
  expect_refusal(v, relabelled, kT0, TicketVerdict::forged, &TicketStats::forged);
  // An AIN that publishes no ticket key, and one not in the directory.
  Bytes no_key = good;
  store_be32(no_key.data() + wire::kTicketOffIssuer, kNoKey);
  expect_refusal(v, no_key, kT0, TicketVerdict::forged, &TicketStats::forged);
  Bytes unknown = good;
  store_be32(unknown.data() + wire::kTicketOffIssuer, 77);
  expect_refusal(v, unknown, kT0, TicketVerdict::forged, &TicketStats::forged);
  // None of that spent the genuine ticket.
  EXPECT_EQ(v.check(good, kT0), TicketVerdict::ok);
}

TEST(TicketVerifier, ExpiredAndWrongSliceOutsideTheGrace) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  const uint64_t start = kT0 / kSlice * kSlice;  // first second of the slice
  // A ticket of the previous slice, 5 s (= grace) into this one: expired.
  const Bytes prev = f.ticket(f.issuer1, start - 1);
  expect_refusal(v, prev, start + 5, TicketVerdict::expired, &TicketStats::expired);
  // Two slices old: expired whatever the grace.
  const Bytes old = f.ticket(f.issuer1, start - kSlice - 1);
  expect_refusal(v, old, start, TicketVerdict::expired, &TicketStats::expired);
  // A ticket of the next slice 6 s before it starts: wrong_slice; of the
  // slice after that: wrong_slice.
  const Bytes next = f.ticket(f.issuer1, start + kSlice);
  expect_refusal(v, next, start + kSlice - 6, TicketVerdict::wrong_slice,
                 &TicketStats::wrong_slice);
  const Bytes far = f.ticket(f.issuer1, start + 2 * kSlice);
  expect_refusal(v, far, start + 10, TicketVerdict::wrong_slice, &TicketStats::wrong_slice);
  // The future ticket left nothing behind: it is good once its slice comes.
  EXPECT_EQ(v.check(next, start + kSlice + 1), TicketVerdict::ok);
}

TEST(TicketVerifier, GraceAtSliceBoundariesAndDoubleSpendAcrossThem) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  const uint64_t boundary = (kT0 / kSlice + 1) * kSlice;  // slice s+1 starts here
  const uint64_t s = kT0 / kSlice;
  // An entrance clock 5 s ahead: a slice s+1 ticket arriving 5 s early is accepted.
  const Bytes early = f.ticket(f.issuer1, boundary);
  EXPECT_EQ(v.check(early, boundary - 5), TicketVerdict::ok);
  EXPECT_EQ(v.spent_in_slice(s + 1), 1u);
  // A slice s ticket 4 s after the boundary: accepted (entrance clock behind).
  const Bytes late = f.ticket(f.issuer1, boundary - 1);
  EXPECT_EQ(v.check(late, boundary + 4), TicketVerdict::ok);
  EXPECT_EQ(v.spent_in_slice(s), 1u);
  EXPECT_EQ(v.spent_in_slice(s + 1), 1u);
  // Both stay spent on either side of the boundary.
  expect_refusal(v, early, boundary + 1, TicketVerdict::reused, &TicketStats::reused);
  expect_refusal(v, late, boundary + 2, TicketVerdict::reused, &TicketStats::reused);
}

TEST(TicketVerifier, IssuerCapIsOverQuota) {
  Fixture f;
  TicketConfig c = f.cfg;
  c.issuer_cap = 3;
  TicketVerifier v = f.verifier(c);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(v.check(f.ticket(f.issuer1, kT0), kT0), TicketVerdict::ok);
  const Bytes fourth = f.ticket(f.issuer1, kT0);
  expect_refusal(v, fourth, kT0, TicketVerdict::over_quota, &TicketStats::over_quota);
  // The cap is per issuer: issuer 2 is still admitted ...
  EXPECT_EQ(v.check(f.ticket(f.issuer2, kT0), kT0), TicketVerdict::ok);
  // ... and per slice: issuer 1 again in the next slice.
  const uint64_t next = kT0 + kSlice;
  EXPECT_EQ(v.check(f.ticket(f.issuer1, next), next), TicketVerdict::ok);
  EXPECT_EQ(v.accepted_from(kIssuer, kT0 / kSlice), 3u);
}

TEST(TicketVerifier, SpentTableIsBoundedAndRefusesWhenFull) {
  Fixture f;
  TicketConfig c = f.cfg;
  c.spent_capacity = 40;
  TicketVerifier v = f.verifier(c);
  const uint64_t s = kT0 / kSlice;
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(v.check(f.ticket(f.issuer1, kT0, 100 + i), kT0), TicketVerdict::ok) << i;
  EXPECT_EQ(v.spent_in_slice(s), 40u);
  const Bytes one_more = f.ticket(f.issuer2, kT0);
  expect_refusal(v, one_more, kT0, TicketVerdict::over_capacity, &TicketStats::over_capacity);
  EXPECT_EQ(v.spent_in_slice(s), 40u);
  EXPECT_EQ(v.spent_capacity(), 40u);
  // The next slice has its own table; two slices later the first one is reused.
  const uint64_t t1 = kT0 + kSlice, t2 = kT0 + 2 * kSlice;
  EXPECT_EQ(v.check(f.ticket(f.issuer2, t1), t1), TicketVerdict::ok);
  EXPECT_EQ(v.check(f.ticket(f.issuer2, t2), t2), TicketVerdict::ok);
  EXPECT_EQ(v.spent_in_slice(s + 2), 1u);
  EXPECT_EQ(v.spent_in_slice(s), 0u);  // forgotten: slice s can no longer be valid
  EXPECT_EQ(v.spent_in_slice(s + 1), 1u);
}

TEST(TicketVerifier, ClockSteppedBackCannotReopenAForgottenSlice) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  const Bytes now_ticket = f.ticket(f.issuer1, kT0);
  ASSERT_EQ(v.check(now_ticket, kT0), TicketVerdict::ok);
  // Two slices later the table of kT0's parity holds the new slice ...
  const uint64_t later = kT0 + 2 * kSlice;
  ASSERT_EQ(v.check(f.ticket(f.issuer1, later), later), TicketVerdict::ok);
  // ... so if the clock steps back, the old ticket cannot be spent again.
  expect_refusal(v, now_ticket, kT0, TicketVerdict::expired, &TicketStats::expired);
}

TEST(TicketVerifier, DirectoryReloadKeepsCountsOfIssuersThatStay) {
  Fixture f;
  TicketConfig c = f.cfg;
  c.issuer_cap = 2;
  TicketVerifier v = f.verifier(c);
  ASSERT_EQ(v.check(f.ticket(f.issuer1, kT0), kT0), TicketVerdict::ok);
  ASSERT_EQ(v.check(f.ticket(f.issuer1, kT0), kT0), TicketVerdict::ok);
  v.set_issuers(directory());  // a reload must not reset the cap
  EXPECT_EQ(v.accepted_from(kIssuer, kT0 / kSlice), 2u);
  EXPECT_EQ(v.check(f.ticket(f.issuer1, kT0), kT0), TicketVerdict::over_quota);
  // An issuer that leaves the directory is no longer accepted.
  std::vector<AinEntry> only2 = directory().entries();
  only2[0].ticket_key = {};
  v.set_issuers(make_directory(1, 0, only2).directory);
  EXPECT_EQ(v.check(f.ticket(f.issuer1, kT0 + 1), kT0 + 1), TicketVerdict::forged);
  EXPECT_EQ(v.check(f.ticket(f.issuer2, kT0 + 1), kT0 + 1), TicketVerdict::ok);
}

}  // namespace
}  // namespace ainet::core

namespace ainet::core {
namespace {

// admit() records nothing: a CREATE that fails after its ticket passed
// leaves no trace; spend() re-checks, so two admissions of one ticket spend
// it once.
TEST(TicketVerifier, AdmitRecordsNothingAndSpendRechecks) {
  Fixture f;
  TicketVerifier v = f.verifier(f.cfg);
  const Bytes t = f.ticket(f.issuer1, kT0);
  TicketAdmission a1, a2;
  ASSERT_EQ(v.admit(t, kT0, a1), TicketVerdict::ok);
  EXPECT_EQ(v.stats(), TicketStats{});
  EXPECT_EQ(v.spent_in_slice(kT0 / kSlice), 0u);
  ASSERT_EQ(v.admit(t, kT0, a2), TicketVerdict::ok);  // still unspent
  EXPECT_EQ(v.spend(a1), TicketVerdict::ok);
  EXPECT_EQ(v.spent_in_slice(kT0 / kSlice), 1u);
  EXPECT_EQ(v.spend(a2), TicketVerdict::reused);
  EXPECT_EQ(v.stats().accepted, 1u);
  EXPECT_EQ(v.stats().reused, 1u);
  EXPECT_EQ(v.spend(TicketAdmission{}), TicketVerdict::missing);  // never admitted
}

}  // namespace
}  // namespace ainet::core
