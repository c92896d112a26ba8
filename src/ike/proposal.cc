#include "ike/proposal.h"

#include <algorithm>

namespace ainet::ike {
namespace {

bool contains(const std::vector<uint16_t>& v, uint16_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool has_type(const Proposal& p, TransformType t) {
  return std::any_of(p.transforms.begin(), p.transforms.end(),
                     [t](const TransformSpec& s) { return s.type == t; });
}

// The first transform of type t in the peer's order that `ok` accepts.
template <typename Pred>
const TransformSpec* first_ok(const Proposal& p, TransformType t, Pred ok) {
  for (const TransformSpec& s : p.transforms)
    if (s.type == t && !s.unknown_attribute && ok(s)) return &s;
  return nullptr;
}

// §3.3.2: with an AEAD cipher, INTEG is absent or offers NONE.
bool integ_ok(const Proposal& p) {
  return !has_type(p, TransformType::integ) ||
         first_ok(p, TransformType::integ, [](const TransformSpec& s) {
           return s.id == kIntegNone && s.key_length == 0;
         }) != nullptr;
}

// Transform types a proposal may contain; any other (unknown) type in a
// proposal makes it unacceptable (§3.3.6).
bool only_known_types(const Proposal& p) {
  return std::all_of(p.transforms.begin(), p.transforms.end(), [](const TransformSpec& s) {
    return s.type >= TransformType::encr && s.type <= TransformType::esn;
  });
}

}  // namespace

Proposal make_ike_proposal(const ProposalPolicy& pol, uint64_t spi, uint8_t spi_size) {
  Proposal p;
  p.number = 1;
  p.protocol = static_cast<uint8_t>(ProtocolId::ike);
  p.spi_size = spi_size;
  p.spi = spi;
  for (uint16_t bits : pol.ike_key_bits)
    p.transforms.push_back({TransformType::encr, kEncrAesGcm16, bits});
  p.transforms.push_back({TransformType::prf, kPrfHmacSha2_256, 0});
  p.transforms.push_back({TransformType::dh, kDhCurve25519, 0});
  return p;
}

Proposal make_esp_proposal(const ProposalPolicy& pol, uint32_t spi, bool pfs) {
  Proposal p;
  p.number = 1;
  p.protocol = static_cast<uint8_t>(ProtocolId::esp);
  p.spi_size = kEspSpiLen;
  p.spi = spi;
  for (uint16_t bits : pol.esp_key_bits)
    p.transforms.push_back({TransformType::encr, kEncrAesGcm16, bits});
  if (pfs) p.transforms.push_back({TransformType::dh, kDhCurve25519, 0});
  for (uint16_t e : pol.esp_esn) p.transforms.push_back({TransformType::esn, e, 0});
  return p;
}

Result<IkeSuite> select_ike_proposal(const std::vector<Proposal>& offered,
                                     const ProposalPolicy& pol, bool rekey) {
  for (const Proposal& p : offered) {
    if (p.protocol != static_cast<uint8_t>(ProtocolId::ike)) continue;
    // §3.3.1: no SPI in IKE_SA_INIT, an 8-octet SPI when rekeying (§1.3.2).
    if (p.spi_size != (rekey ? kIkeSpiLen : 0)) continue;
    if (rekey && p.spi == 0) continue;
    if (!only_known_types(p) || has_type(p, TransformType::esn) || !integ_ok(p)) continue;
    const TransformSpec* enc = first_ok(p, TransformType::encr, [&](const TransformSpec& s) {
      return s.id == kEncrAesGcm16 && contains(pol.ike_key_bits, s.key_length);
    });
    const TransformSpec* prf = first_ok(p, TransformType::prf, [](const TransformSpec& s) {
      return s.id == kPrfHmacSha2_256 && s.key_length == 0;
    });
    const TransformSpec* dh = first_ok(p, TransformType::dh, [](const TransformSpec& s) {
      return s.id == kDhCurve25519 && s.key_length == 0;
    });
    if (enc == nullptr || prf == nullptr || dh == nullptr) continue;
    return IkeSuite{p.number, enc->key_length, p.spi};
  }
  return Errc::not_found;
}

Result<EspSuite> select_esp_proposal(const std::vector<Proposal>& offered,
                                     const ProposalPolicy& pol, bool in_ike_auth, bool want_pfs) {
  for (const Proposal& p : offered) {
    if (p.protocol != static_cast<uint8_t>(ProtocolId::esp)) continue;
    if (p.spi_size != kEspSpiLen || p.spi < 256) continue;  // RFC 4303 §2.1: SPIs 1..255 reserved
    if (!only_known_types(p) || has_type(p, TransformType::prf) || !integ_ok(p)) continue;
    const TransformSpec* enc = first_ok(p, TransformType::encr, [&](const TransformSpec& s) {
      return s.id == kEncrAesGcm16 && contains(pol.esp_key_bits, s.key_length);
    });
    if (enc == nullptr) continue;
    // §3.3.2: ESN is mandatory in ESP proposals; a proposal without it is
    // taken as "no ESN" (lenient towards old peers).
    bool esn = false;
    if (has_type(p, TransformType::esn)) {
      const TransformSpec* e = nullptr;
      for (uint16_t want : pol.esp_esn) {  // our preference among the peer's choices
        e = first_ok(p, TransformType::esn,
                     [want](const TransformSpec& s) { return s.id == want && s.key_length == 0; });
        if (e != nullptr) break;
      }
      if (e == nullptr) continue;
      esn = e->id == kEsnYes;
    } else if (!contains(pol.esp_esn, kEsnNo)) {
      continue;
    }
    uint16_t group = kDhNone;
    if (!in_ike_auth) {
      const bool dh_present = has_type(p, TransformType::dh);
      if (want_pfs) {
        if (first_ok(p, TransformType::dh,
                     [](const TransformSpec& s) { return s.id == kDhCurve25519; }) == nullptr)
          continue;
        group = kDhCurve25519;
      } else if (dh_present && first_ok(p, TransformType::dh, [](const TransformSpec& s) {
                                 return s.id == kDhNone;
                               }) == nullptr) {
        continue;  // the proposal insists on a key exchange the request did not carry
      }
    }
    return EspSuite{p.number,
                    enc->key_length,
                    esn,
                    group,
                    static_cast<uint32_t>(p.spi),
                    has_type(p, TransformType::esn)};
  }
  return Errc::not_found;
}

Proposal ike_response_proposal(const IkeSuite& s, uint64_t our_spi, uint8_t spi_size) {
  Proposal p;
  p.number = s.proposal_number;
  p.protocol = static_cast<uint8_t>(ProtocolId::ike);
  p.spi_size = spi_size;
  p.spi = our_spi;
  p.transforms = {{TransformType::encr, kEncrAesGcm16, s.key_bits},
                  {TransformType::prf, kPrfHmacSha2_256, 0},
                  {TransformType::dh, kDhCurve25519, 0}};
  return p;
}

Proposal esp_response_proposal(const EspSuite& s, uint32_t our_spi) {
  Proposal p;
  p.number = s.proposal_number;
  p.protocol = static_cast<uint8_t>(ProtocolId::esp);
  p.spi_size = kEspSpiLen;
  p.spi = our_spi;
  p.transforms.push_back({TransformType::encr, kEncrAesGcm16, s.key_bits});
  if (s.dh_group != kDhNone) p.transforms.push_back({TransformType::dh, s.dh_group, 0});
  if (s.esn_offered) p.transforms.push_back({TransformType::esn, s.esn ? kEsnYes : kEsnNo, 0});
  return p;
}

namespace {

// §3.3.6: the answer holds one proposal, with the number of one we sent,
// exactly one transform of each type we offered, each one of ours.
bool answer_matches(const Proposal& a, const Proposal& offered) {
  if (a.number != offered.number || a.protocol != offered.protocol) return false;
  for (TransformType t : {TransformType::encr, TransformType::prf, TransformType::integ,
                          TransformType::dh, TransformType::esn}) {
    size_t n = 0;
    for (const TransformSpec& s : a.transforms) {
      if (s.type != t) continue;
      ++n;
      if (std::find(offered.transforms.begin(), offered.transforms.end(), s) ==
          offered.transforms.end())
        return false;
    }
    if (n != (has_type(offered, t) ? 1u : 0u)) return false;
  }
  return a.transforms.size() <= 5;
}

const TransformSpec* of_type(const Proposal& p, TransformType t) {
  for (const TransformSpec& s : p.transforms)
    if (s.type == t) return &s;
  return nullptr;
}

}  // namespace

Result<IkeSuite> accept_ike_response(const std::vector<Proposal>& answer, const Proposal& offered) {
  if (answer.size() != 1 || !answer_matches(answer[0], offered)) return Errc::not_found;
  const Proposal& a = answer[0];
  if (a.spi_size != offered.spi_size) return Errc::not_found;
  if (offered.spi_size == kIkeSpiLen && a.spi == 0) return Errc::not_found;
  return IkeSuite{a.number, of_type(a, TransformType::encr)->key_length, a.spi};
}

Result<EspSuite> accept_esp_response(const std::vector<Proposal>& answer, const Proposal& offered) {
  if (answer.size() != 1 || !answer_matches(answer[0], offered)) return Errc::not_found;
  const Proposal& a = answer[0];
  if (a.spi_size != kEspSpiLen || a.spi < 256) return Errc::not_found;
  EspSuite s;
  s.proposal_number = a.number;
  s.key_bits = of_type(a, TransformType::encr)->key_length;
  const TransformSpec* esn = of_type(a, TransformType::esn);
  s.esn = esn != nullptr && esn->id == kEsnYes;
  s.esn_offered = esn != nullptr;
  const TransformSpec* dh = of_type(a, TransformType::dh);
  s.dh_group = dh != nullptr ? dh->id : kDhNone;
  s.spi = static_cast<uint32_t>(a.spi);
  return s;
}

}  // namespace ainet::ike
