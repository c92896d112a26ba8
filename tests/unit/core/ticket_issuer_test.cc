// Ticket issuance at the entrance (docs/protocol.md "Tickets"): the client
// and signing sides work apart, the per-customer quota per slice, and the
// memory bound on customers.
#include "core/ticket_issuer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/ticket_verifier.h"
#include "crypto/rng.h"
#include "ticket_test_keys.h"

namespace ainet::core {
namespace {

constexpr uint64_t kSlice = 60;
constexpr uint64_t kT0 = 1'700'000'000 / kSlice * kSlice + 10;

TicketConfig config(uint32_t quota) {
  TicketConfig c;
  c.enabled = true;
  c.slice_seconds = kSlice;
  c.quota_ants = quota;
  c.max_customers = 4;
  return c;
}

bool verifies(const wire::Ticket& t, const crypto::BlindRsaPublicKey& key) {
  return key.verify(kTicketVariant, wire::ticket_message(t), t.signature) == Errc::ok;
}

TEST(TicketIssuer, ClientAndSignerSidesRunApart) {
  crypto::DeterministicRng rng(1);
  TicketIssuer issuer(5, test_keys::ticket_key(0), config(10));
  ASSERT_TRUE(issuer.usable());
  // The client knows only the public key.
  TicketClient client(5, issuer.public_key());
  ASSERT_TRUE(client.usable());
  TicketClient::Request req;
  ASSERT_EQ(client.request(kT0 / kSlice, rng, req), Errc::ok);
  // What the signer sees is not the ticket message.
  const wire::TicketMessage msg = wire::ticket_message(req.draft);
  EXPECT_EQ(std::search(req.blinded.begin(), req.blinded.end(), req.draft.nonce.begin(),
                        req.draft.nonce.end()),
            req.blinded.end());
  std::array<uint8_t, wire::kTicketSignatureSize> blind_sig{};
  ASSERT_EQ(issuer.blind_sign(42, req.blinded, kT0, blind_sig), Errc::ok);
  auto t = client.finish(req, blind_sig);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->issuer, 5u);
  EXPECT_EQ(t->slice, kT0 / kSlice);
  EXPECT_TRUE(verifies(*t, issuer.public_key()));
  EXPECT_EQ(issuer.used(42, kT0), 1u);
  // A blind signature for another request does not finish this one.
  TicketClient::Request other;
  ASSERT_EQ(client.request(kT0 / kSlice, rng, other), Errc::ok);
  EXPECT_EQ(client.finish(other, blind_sig).error(), Errc::bad_signature);
  (void)msg;
}

TEST(TicketIssuer, QuotaPerCustomerPerSlice) {
  crypto::DeterministicRng rng(2);
  TicketIssuer issuer(5, test_keys::ticket_key(0), config(3));
  for (int i = 0; i < 3; ++i) {
    auto t = issuer.issue(1, kT0 + i, rng);
    ASSERT_TRUE(t.ok()) << i;
    EXPECT_TRUE(verifies(*t, issuer.public_key()));
  }
  EXPECT_EQ(issuer.issue(1, kT0 + 3, rng).error(), Errc::limit);  // over quota
  EXPECT_EQ(issuer.stats().over_quota, 1u);
  EXPECT_EQ(issuer.used(1, kT0), 3u);
  // Another customer has its own quota.
  EXPECT_TRUE(issuer.issue(2, kT0 + 4, rng).ok());
  // The next slice starts every customer again.
  const uint64_t next = kT0 + kSlice;
  auto t = issuer.issue(1, next, rng);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->slice, next / kSlice);
  EXPECT_EQ(issuer.used(1, next), 1u);
  EXPECT_EQ(issuer.stats().issued, 5u);
}

TEST(TicketIssuer, RefusalsSpendNoQuota) {
  crypto::DeterministicRng rng(3);
  TicketIssuer issuer(5, test_keys::ticket_key(0), config(1));
  std::array<uint8_t, wire::kTicketSignatureSize> out{};
  const Bytes short_msg(10, 1);
  EXPECT_EQ(issuer.blind_sign(1, short_msg, kT0, out), Errc::malformed);
  const Bytes too_big(wire::kTicketSignatureSize, 0xff);  // >= n
  EXPECT_EQ(issuer.blind_sign(1, too_big, kT0, out), Errc::malformed);
  EXPECT_EQ(issuer.stats().bad_request, 2u);
  EXPECT_EQ(issuer.used(1, kT0), 0u);
  EXPECT_TRUE(issuer.issue(1, kT0, rng).ok());  // the one ticket of the quota is still there
}

TEST(TicketIssuer, CustomersPerSliceAreBounded) {
  crypto::DeterministicRng rng(4);
  TicketIssuer issuer(5, test_keys::ticket_key(0), config(5));  // max_customers = 4
  for (uint32_t c = 1; c <= 4; ++c) ASSERT_TRUE(issuer.issue(c, kT0, rng).ok());
  EXPECT_EQ(issuer.issue(5, kT0, rng).error(), Errc::limit);
  EXPECT_EQ(issuer.stats().over_capacity, 1u);
  EXPECT_TRUE(issuer.issue(1, kT0, rng).ok());           // known customers go on
  EXPECT_TRUE(issuer.issue(5, kT0 + kSlice, rng).ok());  // a new slice frees the table
}

TEST(TicketIssuer, RefusesKeysOfTheWrongSize) {
  auto key3072 = crypto::BlindRsaPrivateKey::generate(3072);
  ASSERT_TRUE(key3072.ok());
  TicketIssuer issuer(5, *key3072, config(5));
  EXPECT_FALSE(issuer.usable());
  crypto::DeterministicRng rng(5);
  EXPECT_EQ(issuer.issue(1, kT0, rng).error(), Errc::invalid_argument);
  EXPECT_FALSE(TicketClient(5, key3072->public_key()).usable());
  EXPECT_FALSE(TicketClient(0, test_keys::ticket_key(0).public_key()).usable());
}

TEST(TicketIssuer, IssuedTicketsPassTheVerifier) {
  crypto::DeterministicRng rng(6);
  TicketConfig c = config(2);
  TicketIssuer issuer(1, test_keys::ticket_key(0), c);
  std::vector<AinEntry> es(1);
  es[0].id = 1;
  es[0].name = "ain1";
  es[0].ticket_key = issuer.public_key();
  TicketVerifier v(c, rng);
  v.set_issuers(make_directory(1, 0, es).directory);
  auto t = issuer.issue(7, kT0, rng);
  ASSERT_TRUE(t.ok());
  std::array<uint8_t, wire::kTicketSize> field{};
  ASSERT_EQ(wire::serialize_ticket(*t, field), Errc::ok);
  EXPECT_EQ(v.check(field, kT0 + 3), TicketVerdict::ok);
  EXPECT_EQ(v.check(field, kT0 + 4), TicketVerdict::reused);
}

}  // namespace
}  // namespace ainet::core
