// IKE header and payload chain (RFC 7296 §3.1, §3.2, §2.5, §3.14).
#include "ike/message.h"

#include <gtest/gtest.h>

#include "ike/payloads.h"
#include "ike_test_util.h"

namespace ainet::ike {
namespace {

IkeHeader init_header() {
  IkeHeader h;
  h.spi_i = 0x1122334455667788;
  h.spi_r = 0;
  h.exchange = static_cast<uint8_t>(ExchangeType::ike_sa_init);
  h.flags = kFlagInitiator;
  h.message_id = 0;
  return h;
}

Bytes two_payload_message() {
  Bytes m;
  write_ike_header(m, init_header());
  PayloadChainWriter w(m, 16);
  const uint8_t nonce[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  w.add(PayloadType::nonce, nonce);
  Bytes n;
  write_notify(n, 0, static_cast<uint16_t>(NotifyType::initial_contact), {}, {});
  w.add(PayloadType::notify, n);
  EXPECT_EQ(finish_message(m), Errc::ok);
  return m;
}

TEST(IkeHeader, RoundTrip) {
  const Bytes m = two_payload_message();
  auto h = parse_ike_header(m);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->spi_i, 0x1122334455667788u);
  EXPECT_EQ(h->spi_r, 0u);
  EXPECT_EQ(h->next_payload, static_cast<uint8_t>(PayloadType::nonce));
  EXPECT_EQ(h->exchange_type(), ExchangeType::ike_sa_init);
  EXPECT_TRUE(h->from_original_initiator());
  EXPECT_FALSE(h->is_response());
  EXPECT_EQ(h->length, m.size());
  EXPECT_EQ(m[17], 0x20);  // §3.1 version octet: major 2, minor 0
}

TEST(IkeHeader, LengthFieldMustMatchDatagram) {
  Bytes m = two_payload_message();
  // Shorter datagram than Length: truncated; longer: malformed (§3.1).
  EXPECT_EQ(parse_ike_header(ByteSpan(m).first(m.size() - 1)).error(), Errc::truncated);
  Bytes longer = m;
  longer.push_back(0);
  EXPECT_EQ(parse_ike_header(longer).error(), Errc::malformed);
  EXPECT_EQ(parse_ike_header(ByteSpan(m).first(27)).error(), Errc::truncated);
  Bytes small = m;
  store_be32(&small[24], 27);
  EXPECT_EQ(parse_ike_header(small).error(), Errc::malformed);
}

TEST(IkeHeader, VersionAndZeroSpi) {
  Bytes m = two_payload_message();
  Bytes v3 = m;
  v3[17] = 0x30;  // major 3: the caller may answer INVALID_MAJOR_VERSION (§1.5)
  EXPECT_EQ(parse_ike_header(v3).error(), Errc::unsupported);
  Bytes v1 = m;
  v1[17] = 0x10;
  EXPECT_EQ(parse_ike_header(v1).error(), Errc::malformed);
  Bytes v21 = m;
  v21[17] = 0x21;  // a higher minor version is accepted (§2.5)
  EXPECT_TRUE(parse_ike_header(v21).ok());
  Bytes zero = m;
  std::fill(zero.begin(), zero.begin() + 8, 0);
  EXPECT_EQ(parse_ike_header(zero).error(), Errc::malformed);
}

TEST(PayloadChain, WalksAndLinks) {
  const Bytes m = two_payload_message();
  auto p = parse_message(m);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->payloads.count, 2u);
  EXPECT_EQ(p->payloads.items[0].type, static_cast<uint8_t>(PayloadType::nonce));
  EXPECT_EQ(p->payloads.items[0].body.size(), 16u);
  EXPECT_EQ(p->payloads.items[1].type, static_cast<uint8_t>(PayloadType::notify));
  EXPECT_FALSE(p->sk.has_value());
  auto d = decode_payloads(p->payloads);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->nonce.has_value());
  ASSERT_EQ(d->notifies.size(), 1u);
  EXPECT_NE(d->find_notify(NotifyType::initial_contact), nullptr);
  EXPECT_EQ(d->first_error(), nullptr);
}

TEST(PayloadChain, RefusesBadLengthsAndTrailingBytes) {
  const Bytes m = two_payload_message();
  // First payload's length field at offset 28 + 2.
  Bytes short_len = m;
  store_be16(&short_len[30], 3);
  EXPECT_EQ(parse_message(short_len).error(), Errc::malformed);
  Bytes over = m;
  store_be16(&over[30], 0x400);
  EXPECT_EQ(parse_message(over).error(), Errc::truncated);
  // The last payload names a next payload that is not there.
  Bytes dangling = m;
  dangling[28 + 20] = static_cast<uint8_t>(PayloadType::nonce);
  EXPECT_EQ(parse_message(dangling).error(), Errc::truncated);
  // Bytes after the last payload (Length field grown to cover them).
  Bytes trailing = m;
  trailing.push_back(0);
  store_be32(&trailing[24], static_cast<uint32_t>(trailing.size()));
  EXPECT_EQ(parse_message(trailing).error(), Errc::malformed);
}

TEST(PayloadChain, BoundedPayloadCount) {
  Bytes m;
  write_ike_header(m, init_header());
  PayloadChainWriter w(m, 16);
  for (size_t i = 0; i < kMaxPayloads + 1; ++i) w.add(PayloadType::vendor_id, {});
  ASSERT_EQ(finish_message(m), Errc::ok);
  EXPECT_EQ(parse_message(m).error(), Errc::malformed);
}

TEST(PayloadChain, SkMustBeLastAndGivesInnerType) {
  Bytes m;
  write_ike_header(m, init_header());
  PayloadChainWriter w(m, 16);
  const size_t at = w.begin_payload(PayloadType::sk);
  m[at - 4] = static_cast<uint8_t>(PayloadType::idi);  // SK's Next Payload = first inner
  m.insert(m.end(), 30, 0xab);
  w.end_payload(at);
  ASSERT_EQ(finish_message(m), Errc::ok);
  auto p = parse_message(m);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->sk.has_value());
  EXPECT_EQ(p->sk_inner_first, static_cast<uint8_t>(PayloadType::idi));
  EXPECT_EQ(p->sk->body.size(), 30u);
  EXPECT_EQ(p->sk_aad.size(), kIkeHeaderLen + kGenericHeaderLen);
  // A payload after SK is refused (§3.14).
  Bytes after = m;
  after.insert(after.end(), {0, 0, 0, 4});
  store_be32(&after[24], static_cast<uint32_t>(after.size()));
  EXPECT_EQ(parse_message(after).error(), Errc::malformed);
}

TEST(PayloadChain, UnknownPayloadsCriticalBit) {
  // §2.5: unknown non-critical skipped, unknown critical reported; the
  // critical bit of a known type is ignored.
  Bytes m;
  write_ike_header(m, init_header());
  PayloadChainWriter w(m, 16);
  w.add(static_cast<PayloadType>(200), Bytes{1, 2, 3}, false);
  w.add(PayloadType::vendor_id, Bytes{9}, true);
  ASSERT_EQ(finish_message(m), Errc::ok);
  auto p = parse_message(m);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(find_unsupported_critical(p->payloads).has_value());
  auto d = decode_payloads(p->payloads);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->unknown_skipped, 1u);
  EXPECT_EQ(d->vendor_ids, 1u);
  EXPECT_FALSE(d->unsupported_critical.has_value());

  Bytes c;
  write_ike_header(c, init_header());
  PayloadChainWriter wc(c, 16);
  wc.add(static_cast<PayloadType>(201), Bytes{1}, true);
  ASSERT_EQ(finish_message(c), Errc::ok);
  auto pc = parse_message(c);
  ASSERT_TRUE(pc.ok());
  EXPECT_EQ(find_unsupported_critical(pc->payloads), std::optional<uint8_t>(201));
  auto dc = decode_payloads(pc->payloads);
  ASSERT_TRUE(dc.ok());
  EXPECT_EQ(dc->unsupported_critical, std::optional<uint8_t>(201));
}

TEST(PayloadChain, DuplicateSingletonIsMalformed) {
  Bytes m;
  write_ike_header(m, init_header());
  PayloadChainWriter w(m, 16);
  const Bytes nonce(16, 7);
  w.add(PayloadType::nonce, nonce);
  w.add(PayloadType::nonce, nonce);
  ASSERT_EQ(finish_message(m), Errc::ok);
  auto p = parse_message(m);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(decode_payloads(p->payloads).error(), Errc::malformed);
}

}  // namespace
}  // namespace ainet::ike
