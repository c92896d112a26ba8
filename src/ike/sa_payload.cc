// §3.3 Security Association payload: proposals, transforms, attributes.
#include "ike/appender.h"
#include "ike/payloads.h"

namespace ainet::ike {
namespace {

// §3.3.5: attributes follow the 8-octet transform header. Only Key Length
// (type 14, TV format) is defined; anything else makes the transform
// unacceptable (§3.3.6), a length overrun makes the payload malformed.
Status parse_attributes(ByteSpan attrs, TransformSpec& t) {
  ByteReader r(attrs);
  while (r.remaining() > 0) {
    const uint16_t type_field = r.u16();
    const uint16_t value = r.u16();  // TV: the value; TLV: the length
    if (!r.ok()) return Errc::truncated;
    const uint16_t type = type_field & 0x7fff;
    if ((type_field & kAttrFormatTv) != 0) {
      if (type == kAttrKeyLength && t.key_length == 0) {
        t.key_length = value;
        if (value == 0) t.unknown_attribute = true;  // a zero key length is no key length
      } else {
        t.unknown_attribute = true;  // unknown or repeated attribute
      }
    } else {
      // TLV format: skip its value. Key Length must be TV (§3.3.5), so any
      // TLV attribute is unknown here.
      if (!r.skip(value)) return Errc::truncated;
      t.unknown_attribute = true;
    }
  }
  return Errc::ok;
}

Result<TransformSpec> parse_transform(ByteReader& r, bool& last) {
  const uint8_t more = r.u8();
  r.u8();  // RESERVED (§3.3.2: ignored on receipt)
  const uint16_t len = r.u16();
  const uint8_t type = r.u8();
  r.u8();  // RESERVED
  const uint16_t id = r.u16();
  if (!r.ok()) return Errc::truncated;
  // §3.3.2: "Last Substruc" is 0 for the last transform, 3 otherwise.
  if (more != kLastSubstruc && more != kMoreTransforms) return Errc::malformed;
  last = more == kLastSubstruc;
  if (len < kTransformHeaderLen) return Errc::malformed;
  const ByteSpan attrs = r.bytes(len - kTransformHeaderLen);
  if (!r.ok()) return Errc::truncated;
  TransformSpec t;
  t.type = static_cast<TransformType>(type);
  t.id = id;
  if (Status s = parse_attributes(attrs, t); !ok(s)) return s;
  return t;
}

Result<Proposal> parse_proposal(ByteSpan body, bool& last) {
  ByteReader r(body);
  const uint8_t more = r.u8();
  r.u8();  // RESERVED
  const uint16_t len = r.u16();
  Proposal p;
  p.number = r.u8();
  p.protocol = r.u8();
  p.spi_size = r.u8();
  const uint8_t num_transforms = r.u8();
  if (!r.ok()) return Errc::truncated;
  // §3.3.1: Last Substruc is 0 for the last proposal, 2 otherwise.
  if (more != kLastSubstruc && more != kMoreProposals) return Errc::malformed;
  last = more == kLastSubstruc;
  if (len < kProposalHeaderLen || len > body.size())
    return len < kProposalHeaderLen ? Errc::malformed : Errc::truncated;
  // §3.3.1: the SPI is 0 octets (IKE_SA_INIT), 8 (IKE SA rekey) or 4 (AH/ESP).
  if (p.spi_size != 0 && p.spi_size != kEspSpiLen && p.spi_size != kIkeSpiLen)
    return Errc::malformed;
  ByteReader pr(body.subspan(kProposalHeaderLen, len - kProposalHeaderLen));
  const ByteSpan spi = pr.bytes(p.spi_size);
  if (!pr.ok()) return Errc::truncated;
  for (uint8_t b : spi) p.spi = (p.spi << 8) | b;
  if (num_transforms > kMaxTransforms) return Errc::malformed;
  p.transforms.reserve(num_transforms);
  for (unsigned i = 0; i < num_transforms; ++i) {
    bool t_last = false;
    auto t = parse_transform(pr, t_last);
    if (!t) return t.error();
    // The "last" marker must agree with the transform count (§3.3.2).
    if (t_last != (i + 1 == num_transforms)) return Errc::malformed;
    p.transforms.push_back(*t);
  }
  // §3.3.1: Proposal Length covers exactly its SPI and transforms.
  if (pr.remaining() != 0) return Errc::malformed;
  return p;
}

}  // namespace

Result<std::vector<Proposal>> parse_sa(ByteSpan body) {
  std::vector<Proposal> out;
  size_t pos = 0;
  bool last = false;
  while (!last) {
    if (pos >= body.size()) return Errc::truncated;  // §3.3: at least one proposal
    if (out.size() == kMaxProposals) return Errc::malformed;
    auto p = parse_proposal(body.subspan(pos), last);
    if (!p) return p.error();
    pos += load_be16(body.data() + pos + 2);
    out.push_back(std::move(*p));
  }
  if (pos != body.size()) return Errc::malformed;  // bytes after the last proposal
  return out;
}

void write_sa(Bytes& out, const std::vector<Proposal>& proposals) {
  Appender a(out);
  for (size_t i = 0; i < proposals.size(); ++i) {
    const Proposal& p = proposals[i];
    const size_t start = a.size();
    a.u8(i + 1 == proposals.size() ? kLastSubstruc : kMoreProposals);
    a.u8(0);
    a.u16(0);  // length, patched below
    a.u8(p.number);
    a.u8(p.protocol);
    a.u8(p.spi_size);
    a.u8(static_cast<uint8_t>(p.transforms.size()));
    for (int b = p.spi_size - 1; b >= 0; --b) a.u8(static_cast<uint8_t>(p.spi >> (8 * b)));
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const TransformSpec& t = p.transforms[j];
      a.u8(j + 1 == p.transforms.size() ? kLastSubstruc : kMoreTransforms);
      a.u8(0);
      a.u16(static_cast<uint16_t>(kTransformHeaderLen + (t.key_length ? 4 : 0)));
      a.u8(static_cast<uint8_t>(t.type));
      a.u8(0);
      a.u16(t.id);
      if (t.key_length != 0) {
        a.u16(kAttrFormatTv | kAttrKeyLength);  // §3.3.5 TV format
        a.u16(t.key_length);
      }
    }
    a.patch_u16(start + 2, static_cast<uint16_t>(a.size() - start));
  }
}

}  // namespace ainet::ike
