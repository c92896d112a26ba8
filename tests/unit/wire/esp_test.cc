#include "wire/esp.h"

#include <gtest/gtest.h>

#include "support/vector_file.h"
#include "wire/ipv4.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

TEST(EspHeader, ParseWriteAndReservedSpis) {
  const Bytes b = hex("0102030400000005");
  auto h = parse_esp_header(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->spi, 0x01020304u);
  EXPECT_EQ(h->seq_lo, 5u);
  Bytes out(8);
  ByteWriter w(out);
  ASSERT_EQ(write_esp_header(w, *h), Errc::ok);
  EXPECT_EQ(out, b);
  // RFC 4303 §2.1: SPI 0 and 1..255 never appear on the wire.
  for (uint32_t spi : {0u, 1u, 255u}) {
    Bytes r = b;
    store_be32(r.data(), spi);
    EXPECT_EQ(parse_esp_header(r).error(), Errc::malformed) << spi;
    ByteWriter w2(out);
    EXPECT_EQ(write_esp_header(w2, EspHeader{spi, 1}), Errc::invalid_argument);
  }
  store_be32(out.data(), 256);
  EXPECT_TRUE(parse_esp_header(out).ok());
  Bytes small(7);
  ByteWriter w3(small);
  EXPECT_EQ(write_esp_header(w3, *h), Errc::buffer_too_small);
}

TEST(EspPadding, TableForBlockSizes1_4_16) {
  // RFC 4303 §2.4: payload + pad + 2 is a multiple of lcm(block, 4).
  struct Row {
    size_t payload, block;
    uint8_t pad;
  };
  const Row rows[] = {
      {0, 1, 2},   {1, 1, 1},   {2, 1, 0},   {3, 1, 3},   {84, 1, 2},  {85, 1, 1},
      {0, 4, 2},   {1, 4, 1},   {2, 4, 0},   {3, 4, 3},   {6, 4, 0},   {7, 4, 3},
      {0, 16, 14}, {1, 16, 13}, {14, 16, 0}, {15, 16, 15}, {16, 16, 14}, {30, 16, 0},
      {1400, 16, 6}, {5, 8, 1}, {6, 3, 4},  // lcm(3, 4) = 12: 6 + 4 + 2 = 12
  };
  for (const Row& r : rows) {
    auto pad = esp_pad_length(r.payload, r.block);
    ASSERT_TRUE(pad.ok());
    EXPECT_EQ(*pad, r.pad) << "payload " << r.payload << " block " << r.block;
  }
  // Exhaustively: the result is minimal and satisfies both alignments.
  for (size_t block : {1u, 4u, 8u, 16u}) {
    for (size_t n = 0; n < 300; ++n) {
      const size_t pad = esp_pad_length(n, block).value();
      const size_t total = n + pad + 2;
      EXPECT_EQ(total % block, 0u);
      EXPECT_EQ(total % 4, 0u);
      EXPECT_LT(pad, std::max<size_t>(block, 4));
    }
  }
}

TEST(EspPadding, TfcMinimumAndLimits) {
  EXPECT_EQ(esp_pad_length(10, 16, 64).value(), 52);   // 10 + 52 + 2 = 64
  EXPECT_EQ(esp_pad_length(10, 16, 63).value(), 52);   // rounded up to the block
  EXPECT_EQ(esp_pad_length(100, 16, 64).value(), 10);  // minimum already met
  EXPECT_EQ(esp_pad_length(0, 1, 256).value(), 254);   // largest 4-aligned pad
  EXPECT_EQ(esp_pad_length(1, 1, 256).value(), 253);
  EXPECT_EQ(esp_pad_length(0, 1, 257).error(), Errc::limit);  // would need 258
  EXPECT_EQ(esp_pad_length(0, 4, 300).error(), Errc::limit);
  EXPECT_EQ(esp_pad_length(1, 0).error(), Errc::invalid_argument);
  EXPECT_EQ(esp_pad_length(1, 256).error(), Errc::invalid_argument);
}

TEST(EspTrailer, RoundTripsEveryPadLength) {
  for (int pad = 0; pad <= 255; ++pad) {
    const Bytes payload = {0x45, 0x00, 0x01};
    Bytes buf(payload.size() + static_cast<size_t>(pad) + 2);
    ByteWriter w(buf);
    w.bytes(payload);
    ASSERT_EQ(write_esp_trailer(w, static_cast<uint8_t>(pad), kProtoIpv4), Errc::ok);
    EXPECT_EQ(w.remaining(), 0u);
    for (int i = 0; i < pad; ++i) ASSERT_EQ(buf[3 + static_cast<size_t>(i)], i + 1);
    auto t = parse_esp_trailer(buf);
    ASSERT_TRUE(t.ok()) << pad;
    EXPECT_EQ(t->payload_len, 3u);
    EXPECT_EQ(t->pad_len, pad);
    EXPECT_EQ(t->next_header, kProtoIpv4);
  }
  Bytes small(3);
  ByteWriter w(small);
  EXPECT_EQ(write_esp_trailer(w, 2, 4), Errc::buffer_too_small);
}

TEST(EspTrailer, PaddingViolations) {
  const Bytes good = hex("aabbcc0102030405" "05" "29");  // payload aabbcc, pad 1..5, nh 41
  ASSERT_TRUE(parse_esp_trailer(good).ok());
  // Any wrong pad byte is bad_padding.
  for (size_t i = 3; i < 8; ++i) {
    Bytes b = good;
    b[i] ^= 0x80;
    EXPECT_EQ(parse_esp_trailer(b).error(), Errc::bad_padding) << i;
  }
  // Pad length pointing before the start.
  EXPECT_EQ(parse_esp_trailer(hex("0104")).ok(), false);
  EXPECT_EQ(parse_esp_trailer(hex("0104")).error(), Errc::bad_padding);
  EXPECT_EQ(parse_esp_trailer(hex("01020304")).error(), Errc::bad_padding);  // pad 3, only 2 bytes
  EXPECT_EQ(parse_esp_trailer(hex("04")).error(), Errc::truncated);
  EXPECT_EQ(parse_esp_trailer(ByteSpan{}).error(), Errc::truncated);
  // Pad length may consume everything: empty payload (e.g. a dummy packet, RFC 4303 §2.6).
  auto dummy = parse_esp_trailer(hex("0102023b"));
  ASSERT_TRUE(dummy.ok());
  EXPECT_EQ(dummy->payload_len, 0u);
  EXPECT_EQ(dummy->next_header, kProtoNoNext);
}

TEST(EspAad, Rfc4106And7634Layouts) {
  Bytes out(12);
  // RFC 4106 §5 without ESN: SPI || seq (8 bytes).
  auto n = esp_aad(0x01020304, 5, false, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 8), hex("0102030400000005"));
  // With ESN: SPI || seq_hi || seq_lo.
  n = esp_aad(0x4321, 0x8765432100000000ull, true, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 12u);
  EXPECT_EQ(out, hex("000043218765432100000000"));
  // Without ESN the high half is not sent at all.
  n = esp_aad(0x4321, 0x8765432100000007ull, false, out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 8), hex("0000432100000007"));
  Bytes small(11);
  EXPECT_EQ(esp_aad(1, 1, true, small).error(), Errc::buffer_too_small);
  EXPECT_EQ(esn_high_bytes(0x0102030405060708ull), (std::array<uint8_t, 4>{1, 2, 3, 4}));
}

TEST(EspVectors, Rfc7634AppendixAPacketLayout) {
  const auto blocks =
      ainet::test::read_vector_blocks("rfc7634_appendix_a_esp_chacha20poly1305.txt", "KEYMAT");
  ASSERT_EQ(blocks.size(), 1u);
  const auto& b = blocks[0];
  const Bytes esp = ainet::test::hex_field(b, "ESP_PACKET");
  const Bytes inner = ainet::test::hex_field(b, "INNER_PACKET");
  const Bytes plaintext = ainet::test::hex_field(b, "PLAINTEXT");
  // Split with the RFC 7634 sizes: 8-byte IV, 16-byte tag, stream cipher.
  auto v = split_esp(esp, 8, 16, 1);
  ASSERT_TRUE(v.ok()) << to_string(v.error());
  EXPECT_EQ(v->header.spi, 0x01020304u);
  EXPECT_EQ(v->header.seq_lo, 5u);
  EXPECT_EQ(Bytes(v->iv.begin(), v->iv.end()), ainet::test::hex_field(b, "IV"));
  EXPECT_EQ(Bytes(v->ciphertext.begin(), v->ciphertext.end()),
            ainet::test::hex_field(b, "CIPHERTEXT"));
  EXPECT_EQ(Bytes(v->icv.begin(), v->icv.end()), ainet::test::hex_field(b, "TAG"));
  // AAD (RFC 7634 §2.1, no ESN).
  Bytes aad(12);
  auto n = esp_aad(v->header.spi, v->header.seq_lo, false, aad);
  ASSERT_TRUE(n.ok());
  aad.resize(*n);
  EXPECT_EQ(aad, ainet::test::hex_field(b, "AAD"));
  // Our padding rule reproduces the example's trailer for the inner IPv4 packet.
  ASSERT_TRUE(parse_ipv4(inner).ok());
  const uint8_t pad = esp_pad_length(inner.size(), 1).value();
  Bytes built(inner.size() + pad + 2);
  ByteWriter w(built);
  w.bytes(inner);
  ASSERT_EQ(write_esp_trailer(w, pad, kProtoIpv4), Errc::ok);
  EXPECT_EQ(built, plaintext);
  auto t = parse_esp_trailer(plaintext);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->payload_len, inner.size());
  EXPECT_EQ(t->next_header, kProtoIpv4);
}

TEST(EspVectors, McGrewGcmTrailersAndEsnAad) {
  const auto blocks =
      ainet::test::read_vector_blocks("draft_mcgrew_gcm_test_01_esp.txt", "CASE");
  ASSERT_FALSE(blocks.empty());
  size_t esn_cases = 0;
  for (const auto& b : blocks) {
    const Bytes spi = ainet::test::hex_field(b, "SPI");
    const Bytes seq = ainet::test::hex_field(b, "SEQ");
    const Bytes plaintext = ainet::test::hex_field(b, "PLAINTEXT");
    ASSERT_EQ(spi.size(), 4u);
    const bool esn = seq.size() == 8;
    esn_cases += esn;
    const uint64_t seq64 = esn ? load_be64(seq.data()) : load_be32(seq.data());
    Bytes aad(12);
    auto n = esp_aad(load_be32(spi.data()), seq64, esn, aad);
    ASSERT_TRUE(n.ok());
    aad.resize(*n);
    EXPECT_EQ(aad, ainet::test::hex_field(b, "AAD")) << "CASE " << b.at("CASE");
    // Each plaintext ends in a default-padded trailer; when it carries an IPv4
    // packet, the payload length is that packet's total length.
    auto t = parse_esp_trailer(plaintext);
    ASSERT_TRUE(t.ok()) << "CASE " << b.at("CASE");
    // CASE 1's inner IPv4 Total Length (72) is the whole plaintext, so its
    // trailer overlaps the packet; that case is used for its ESN AAD only.
    if (b.at("CASE") != "1" && t->payload_len >= 20 && (plaintext[0] >> 4) == 4) {
      EXPECT_EQ(t->payload_len, load_be16(&plaintext[2])) << "CASE " << b.at("CASE");
    }
  }
  EXPECT_GE(esn_cases, 1u);
}

TEST(EspSplit, LengthAndAlignmentRules) {
  Bytes esp(8 + 8 + 16 + 16, 0x11);
  store_be32(esp.data(), 0x1000);
  auto v = split_esp(esp, 8, 16, 16);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ciphertext.size(), 16u);
  EXPECT_EQ(v->icv.data(), esp.data() + 32);
  // Ciphertext not a whole number of blocks.
  Bytes odd = esp;
  odd.resize(odd.size() + 4);
  EXPECT_EQ(split_esp(odd, 8, 16, 16).error(), Errc::malformed);
  EXPECT_TRUE(split_esp(odd, 8, 16, 4).ok());
  // Not 4-byte aligned even for a stream cipher (RFC 4303 §2.4).
  Bytes unaligned = esp;
  unaligned.resize(unaligned.size() + 2);
  EXPECT_EQ(split_esp(unaligned, 8, 16, 1).error(), Errc::malformed);
  // Too short for header + IV + trailer + ICV.
  Bytes tiny(8 + 8 + 1 + 16, 0x11);
  store_be32(tiny.data(), 0x1000);
  EXPECT_EQ(split_esp(tiny, 8, 16, 1).error(), Errc::truncated);
  EXPECT_EQ(split_esp(esp, 8, 16, 0).error(), Errc::invalid_argument);
  test::expect_every_prefix_fails(esp, [](ByteSpan s) { return split_esp(s, 8, 16, 16).ok(); });
  test::expect_every_prefix_fails(Bytes(esp.begin(), esp.begin() + 8),
                                  [](ByteSpan s) { return parse_esp_header(s).ok(); });
}

TEST(EsnInference, Rfc4303AppendixA2) {
  const uint32_t w = 64;
  // Case A (Tl >= W - 1): same block unless seq_lo is below the window.
  const uint64_t t_a = (uint64_t{7} << 32) | 1000;
  EXPECT_EQ(*esn_infer_seq(1000, t_a, w), t_a);
  EXPECT_EQ(*esn_infer_seq(937, t_a, w), (uint64_t{7} << 32) | 937);  // bottom of the window
  EXPECT_EQ(*esn_infer_seq(936, t_a, w), (uint64_t{8} << 32) | 936);  // wrapped ahead
  EXPECT_EQ(*esn_infer_seq(5000, t_a, w), (uint64_t{7} << 32) | 5000);
  // Case B (Tl < W - 1): window spans the block boundary.
  const uint64_t t_b = (uint64_t{7} << 32) | 10;
  EXPECT_EQ(*esn_infer_seq(0xfffffff0u, t_b, w), (uint64_t{6} << 32) | 0xfffffff0u);
  EXPECT_EQ(*esn_infer_seq(5, t_b, w), (uint64_t{7} << 32) | 5);
  EXPECT_EQ(*esn_infer_seq(11, t_b, w), (uint64_t{7} << 32) | 11);
  // Block 0 has no predecessor, block 2^32 - 1 no successor: stale.
  EXPECT_EQ(esn_infer_seq(0xfffffff0u, 10, w).error(), Errc::stale);
  EXPECT_EQ(*esn_infer_seq(11, 10, w), uint64_t{11});
  const uint64_t top = (uint64_t{UINT32_MAX} << 32) | 1000;
  EXPECT_EQ(esn_infer_seq(936, top, w).error(), Errc::stale);
  EXPECT_EQ(*esn_infer_seq(937, top, w), (uint64_t{UINT32_MAX} << 32) | 937);
}

}  // namespace
}  // namespace ainet::wire
