// Whole-packet ESP known answers through the SA layer:
//  * draft-mcgrew-gcm-test-01 ESP packets (RFC 4106 AES-GCM, with and without ESN)
//  * RFC 7634 Appendix A (ChaCha20-Poly1305 tunnel-mode ESP)
// Each published packet is opened by a SecurityAssociation built from the
// published KEYMAT, and sealed again with the published IV and sequence
// number, which must reproduce it byte for byte.
#include <gtest/gtest.h>

#include "sa/security_association.h"
#include "support/vector_file.h"
#include "wire/constants.h"

namespace ainet::sa {

// Test-only access to SecurityAssociation::seal_at, which takes the sequence
// number and IV from the caller (the vectors fix both). Never used in src/.
class SecurityAssociationTestPeer {
 public:
  static Result<size_t> seal_at(SecurityAssociation& sa, uint64_t seq, ByteSpan iv,
                                ByteSpan payload, uint8_t next_header, MutByteSpan out) {
    return sa.seal_at(seq, iv, payload, next_header, wire::OuterHeaderSpec{}, out);
  }
};

namespace {

using test::hex_field;
using test::read_vector_blocks;

struct Vector {
  Transform transform;
  Bytes keymat;
  uint32_t spi;
  uint64_t seq;
  bool esn;
  Bytes iv;
  Bytes packet;
  Bytes payload;  // the plaintext without padding and trailer
  uint8_t next_header;
};

std::unique_ptr<SecurityAssociation> make(const Vector& v) {
  SaConfig c;
  c.spi = v.spi;
  c.transform = v.transform;
  EXPECT_TRUE(c.keymat.assign(v.keymat));
  c.framing = Framing::bare;
  c.esn = v.esn;
  c.initial_seq = v.seq - 1;  // so that the vector's packet is the next one expected
  auto sa = SecurityAssociation::create(c);
  EXPECT_TRUE(sa) << to_string(sa.error());
  return sa ? std::move(*sa) : nullptr;
}

// Splits an ESP plaintext (payload | pad | pad length | next header).
void split_plaintext(const Bytes& pt, Vector& v) {
  ASSERT_GE(pt.size(), 2u);
  const size_t pad = pt[pt.size() - 2];
  ASSERT_LE(pad + 2, pt.size());
  v.payload.assign(pt.begin(), pt.end() - 2 - static_cast<ptrdiff_t>(pad));
  v.next_header = pt.back();
}

void check_vector(const Vector& v) {
  // Open the published packet.
  auto rx = make(v);
  ASSERT_TRUE(rx);
  Bytes pkt = v.packet;
  auto o = rx->open(pkt);
  ASSERT_TRUE(o) << to_string(o.error());
  EXPECT_EQ(o->seq, v.seq);
  EXPECT_EQ(o->next_header, v.next_header);
  EXPECT_EQ(to_hex(o->payload), to_hex(v.payload));
  // Opening it again is a replay.
  pkt = v.packet;
  EXPECT_EQ(rx->open(pkt).error(), Errc::replay);

  // Seal with the same IV and sequence number: byte-identical packet.
  auto tx = make(v);
  ASSERT_TRUE(tx);
  Bytes out(tx->sealed_size(v.payload.size()));
  ASSERT_EQ(out.size(), v.packet.size()) << "padding length differs from the vector";
  auto n = SecurityAssociationTestPeer::seal_at(*tx, v.seq, v.iv, v.payload, v.next_header, out);
  ASSERT_TRUE(n) << to_string(n.error());
  EXPECT_EQ(to_hex(ByteSpan(out).first(*n)), to_hex(v.packet));

  // A one-bit change of the published packet is rejected.
  auto rx2 = make(v);
  pkt = v.packet;
  pkt[pkt.size() / 2] ^= 0x01;
  EXPECT_EQ(rx2->open(pkt).error(), Errc::auth_failed);
}

TEST(EspSaKat, DraftMcgrewGcmTest01Packets) {
  const auto blocks = read_vector_blocks("draft_mcgrew_gcm_test_01_esp.txt", "CASE");
  ASSERT_GT(blocks.size(), 0u);
  size_t esn_cases = 0;
  for (const auto& b : blocks) {
    SCOPED_TRACE("case " + b.at("CASE"));
    Vector v;
    const Bytes key = hex_field(b, "KEY");
    const Bytes nonce = hex_field(b, "NONCE");
    ASSERT_EQ(nonce.size(), 12u);
    ASSERT_TRUE(key.size() == 16 || key.size() == 32);
    v.transform = key.size() == 16 ? Transform::esp_aes128_gcm : Transform::esp_aes256_gcm;
    // RFC 4106 §8.1: KEYMAT = key || salt; the nonce's first 4 bytes are the salt.
    v.keymat = key;
    v.keymat.insert(v.keymat.end(), nonce.begin(), nonce.begin() + 4);
    v.iv.assign(nonce.begin() + 4, nonce.end());
    v.spi = load_be32(hex_field(b, "SPI").data());
    const Bytes seq = hex_field(b, "SEQ");
    ASSERT_TRUE(seq.size() == 4 || seq.size() == 8);
    v.esn = seq.size() == 8;  // an 8-byte SEQ is a 64-bit ESN (RFC 4106 §5 AAD)
    v.seq = v.esn ? load_be64(seq.data()) : load_be32(seq.data());
    esn_cases += v.esn;
    v.packet = hex_field(b, "ESP_PACKET");
    split_plaintext(hex_field(b, "PLAINTEXT"), v);
    check_vector(v);
  }
  EXPECT_GT(esn_cases, 0u);
}

TEST(EspSaKat, Rfc7634AppendixAChaCha20Poly1305) {
  const auto blocks = read_vector_blocks("rfc7634_appendix_a_esp_chacha20poly1305.txt", "KEYMAT");
  ASSERT_GT(blocks.size(), 0u);
  for (const auto& b : blocks) {
    Vector v;
    v.transform = Transform::esp_chacha20_poly1305;
    v.keymat = hex_field(b, "KEYMAT");  // RFC 7634 §4: 32-byte key || 4-byte salt
    ASSERT_EQ(v.keymat.size(), 36u);
    v.spi = load_be32(hex_field(b, "SPI").data());
    v.seq = load_be32(hex_field(b, "SEQ").data());
    v.esn = false;
    v.iv = hex_field(b, "IV");
    v.packet = hex_field(b, "ESP_PACKET");
    split_plaintext(hex_field(b, "PLAINTEXT"), v);
    // Tunnel mode: the payload is exactly the inner IPv4 packet, next header 4.
    EXPECT_EQ(v.payload, hex_field(b, "INNER_PACKET"));
    EXPECT_EQ(v.next_header, wire::kProtoIpv4);
    check_vector(v);
  }
}

}  // namespace
}  // namespace ainet::sa
