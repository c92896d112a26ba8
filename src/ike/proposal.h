// Proposal building and selection (RFC 7296 §2.7, §3.3.6) for the only
// suites ainet speaks (issue 9: modern proposals only):
//   IKE SA:   ENCR_AES_GCM_16 (128 or 256-bit key), PRF_HMAC_SHA2_256,
//             Curve25519 (group 31); INTEG absent or NONE (AEAD, RFC 5282 §8).
//   Child SA: ESP, ENCR_AES_GCM_16 (128/256), ESN yes or no, and for
//             CREATE_CHILD_SA optionally group 31 for PFS.
// Anything else finds no match and the caller answers NO_PROPOSAL_CHOSEN.
#pragma once
#include <cstdint>
#include <vector>

#include "ike/payloads.h"
#include "util/result.h"

namespace ainet::ike {

struct ProposalPolicy {
  // Key sizes in preference order (our offers list them in this order).
  std::vector<uint16_t> ike_key_bits = {256, 128};
  std::vector<uint16_t> esp_key_bits = {256, 128};
  // ESN choices in preference order: kEsnNo and/or kEsnYes. strongSwan's
  // kernel-libipsec does no ESN, so no-ESN comes first by default.
  std::vector<uint16_t> esp_esn = {kEsnNo, kEsnYes};
};

// What an IKE SA negotiation settled on.
struct IkeSuite {
  uint8_t proposal_number = 0;
  uint16_t key_bits = 0;
  uint64_t spi = 0;  // the SPI of the chosen proposal (IKE SA rekey only)
};

// What a child SA negotiation settled on.
struct EspSuite {
  uint8_t proposal_number = 0;
  uint16_t key_bits = 0;
  bool esn = false;
  uint16_t dh_group = kDhNone;  // kDhCurve25519 when the exchange runs a PFS key exchange
  uint32_t spi = 0;             // the peer's SPI from the chosen proposal
  bool esn_offered = false;     // the chosen proposal had an ESN transform
};

// Our single IKE proposal (number 1): every allowed key size as alternative
// ENCR transforms, then PRF and DH (§3.3: same-type transforms are ORed).
// spi_size 0 in IKE_SA_INIT, 8 when rekeying the IKE SA (§1.3.2).
Proposal make_ike_proposal(const ProposalPolicy& p, uint64_t spi, uint8_t spi_size);
// Our single ESP proposal with our inbound SPI; with pfs a DH 31 transform.
Proposal make_esp_proposal(const ProposalPolicy& p, uint32_t spi, bool pfs);

// Responder: the first of the peer's proposals we accept (§2.7: the
// responder picks one proposal and one transform of each type). not_found
// when none fits (NO_PROPOSAL_CHOSEN).
Result<IkeSuite> select_ike_proposal(const std::vector<Proposal>& offered, const ProposalPolicy& p,
                                     bool rekey);
// in_ike_auth: DH transforms are ignored (no KE in IKE_AUTH, §1.2);
// otherwise want_pfs says whether the request carried a KE payload: then
// the proposal must allow group 31, else it must allow no DH.
Result<EspSuite> select_esp_proposal(const std::vector<Proposal>& offered, const ProposalPolicy& p,
                                     bool in_ike_auth, bool want_pfs);

// The single proposal the responder answers with (§3.3: one transform of
// each type the chosen proposal had, the responder's SPI).
Proposal ike_response_proposal(const IkeSuite& s, uint64_t our_spi, uint8_t spi_size);
Proposal esp_response_proposal(const EspSuite& s, uint32_t our_spi);

// Initiator: checks the responder's answer is exactly one proposal that
// picks one of our offered transforms per type (§2.7, §3.3.6). not_found
// (the caller treats it like NO_PROPOSAL_CHOSEN) otherwise.
Result<IkeSuite> accept_ike_response(const std::vector<Proposal>& answer, const Proposal& offered);
Result<EspSuite> accept_esp_response(const std::vector<Proposal>& answer, const Proposal& offered);

}  // namespace ainet::ike
