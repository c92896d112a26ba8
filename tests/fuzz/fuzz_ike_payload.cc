// Fuzzes each IKEv2 payload body parser (RFC 7296 §3.3-§3.15); the first
// input byte selects the parser (SA, KE, ID, AUTH, Nonce, Notify, Delete,
// TS, CP), the rest is the body. Whatever parses must encode back to the
// same meaning and parse again to the same value (reserved octets aside).
#include <cstring>

#include "fuzz_check.h"
#include "ike/payloads.h"

using namespace ainet;
using namespace ainet::ike;

namespace {

void fuzz_sa(ByteSpan b) {
  auto p = parse_sa(b);
  if (!p) return;
  FUZZ_CHECK(!p->empty() && p->size() <= kMaxProposals);
  bool unknown_attr = false;
  for (const Proposal& x : *p) {
    FUZZ_CHECK(x.spi_size == 0 || x.spi_size == 4 || x.spi_size == 8);
    FUZZ_CHECK(x.transforms.size() <= kMaxTransforms);
    for (const TransformSpec& t : x.transforms) unknown_attr = unknown_attr || t.unknown_attribute;
  }
  if (unknown_attr) return;  // unknown attributes are not re-encoded
  Bytes out;
  write_sa(out, *p);
  auto again = parse_sa(out);
  FUZZ_CHECK(again.ok() && again->size() == p->size());
  for (size_t i = 0; i < p->size(); ++i) {
    FUZZ_CHECK((*again)[i].number == (*p)[i].number && (*again)[i].protocol == (*p)[i].protocol);
    FUZZ_CHECK((*again)[i].spi == (*p)[i].spi && (*again)[i].spi_size == (*p)[i].spi_size);
    FUZZ_CHECK((*again)[i].transforms == (*p)[i].transforms);
  }
}

void fuzz_ke(ByteSpan b) {
  auto k = parse_ke(b);
  if (!k) return;
  Bytes out;
  write_ke(out, k->group, k->data);
  FUZZ_CHECK(out.size() == b.size() && std::memcmp(out.data(), b.data(), 2) == 0 &&
             std::memcmp(out.data() + 4, b.data() + 4, b.size() - 4) == 0);
}

void fuzz_id(ByteSpan b) {
  auto id = parse_id(b);
  if (!id) return;
  const Bytes out = id_payload_body(*id);
  FUZZ_CHECK(out.size() == b.size() && out[0] == b[0] &&
             std::memcmp(out.data() + 4, b.data() + 4, b.size() - 4) == 0);
  auto again = parse_id(out);
  FUZZ_CHECK(again.ok() && *again == *id);
}

void fuzz_auth(ByteSpan b) {
  auto a = parse_auth(b);
  if (!a) return;
  Bytes out;
  write_auth(out, a->method, a->data);
  FUZZ_CHECK(out.size() == b.size() && out[0] == b[0]);
}

void fuzz_nonce(ByteSpan b) {
  auto n = parse_nonce(b);
  FUZZ_CHECK(n.ok() == (b.size() >= kMinNonceLen && b.size() <= kMaxNonceLen));
}

void fuzz_notify(ByteSpan b) {
  auto n = parse_notify(b);
  if (!n) return;
  Bytes out;
  write_notify(out, n->protocol, n->type, n->spi, n->data);
  FUZZ_CHECK(out.size() == b.size() && std::memcmp(out.data(), b.data(), b.size()) == 0);
}

void fuzz_delete(ByteSpan b) {
  auto d = parse_delete(b);
  if (!d) return;
  Bytes out;
  if (d->protocol == static_cast<uint8_t>(ProtocolId::ike)) {
    write_delete_ike(out);
  } else {
    std::vector<uint32_t> spis;
    for (size_t i = 0; i < d->count; ++i) spis.push_back(d->esp_spi(i));
    write_delete_esp(out, spis);
    out[0] = d->protocol;  // AH deletes share the layout
  }
  FUZZ_CHECK(out.size() == b.size() && std::memcmp(out.data(), b.data(), b.size()) == 0);
}

void fuzz_ts(ByteSpan b) {
  auto t = parse_ts(b);
  if (!t) return;
  FUZZ_CHECK(t->size() <= kMaxTrafficSelectors);
  if (t->empty()) return;  // only unknown TS types
  Bytes out;
  write_ts(out, *t);
  auto again = parse_ts(out);
  FUZZ_CHECK(again.ok() && *again == *t);
}

void fuzz_cp(ByteSpan b) {
  auto c = parse_cp(b);
  if (!c) return;
  std::vector<CfgAttributeOut> attrs;
  for (const CfgAttribute& a : c->attributes)
    attrs.push_back({a.type, Bytes(a.value.begin(), a.value.end())});
  Bytes out;
  write_cp(out, c->cfg_type, attrs);
  auto again = parse_cp(out);
  FUZZ_CHECK(again.ok() && again->cfg_type == c->cfg_type &&
             again->attributes.size() == c->attributes.size());
  for (size_t i = 0; i < attrs.size(); ++i) {
    FUZZ_CHECK(again->attributes[i].type == attrs[i].type);
    FUZZ_CHECK(Bytes(again->attributes[i].value.begin(), again->attributes[i].value.end()) ==
               attrs[i].value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ByteSpan body(data + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      fuzz_sa(body);
      break;
    case 1:
      fuzz_ke(body);
      break;
    case 2:
      fuzz_id(body);
      break;
    case 3:
      fuzz_auth(body);
      break;
    case 4:
      fuzz_nonce(body);
      break;
    case 5:
      fuzz_notify(body);
      break;
    case 6:
      fuzz_delete(body);
      break;
    case 7:
      fuzz_ts(body);
      break;
    case 8:
      fuzz_cp(body);
      break;
  }
  return 0;
}
