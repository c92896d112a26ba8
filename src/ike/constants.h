// IKEv2 wire constants (RFC 7296 §3 and the IANA "IKEv2 Parameters"
// registry). One place, so no IKE number appears twice. Each group names the
// section that defines it; only the values ainet uses or must recognise are
// listed, anything else is handled as "unknown" by the codec (RFC 7296 §2.5).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ainet::ike {

// §3.1: the fixed IKE header is 28 bytes; the generic payload header (§3.2) 4.
inline constexpr size_t kIkeHeaderLen = 28;
inline constexpr size_t kGenericHeaderLen = 4;
inline constexpr size_t kIkeSpiLen = 8;      // §3.1: SPIs are 8 octets
inline constexpr uint8_t kMajorVersion = 2;  // §3.1 / §2.5
inline constexpr uint8_t kMinorVersion = 0;
// §3.1 flags octet.
inline constexpr uint8_t kFlagResponse = 0x20;   // R: this is a response
inline constexpr uint8_t kFlagVersion = 0x10;    // V: sender can speak a higher major version
inline constexpr uint8_t kFlagInitiator = 0x08;  // I: sent by the original initiator
// Largest IKE message accepted or built: a UDP datagram's payload. §2 says a
// node MUST accept messages up to 1280 octets and SHOULD up to 3000; bigger
// ones are bounded by the length field and by the datagram.
inline constexpr size_t kMaxMessageLen = 65535;
// An IKE_SA_INIT request is kept (for AUTH, §2.15) by every half-open SA, so
// it is bounded harder: 4 KiB is above §2's "SHOULD accept 3000 octets" and
// several times what strongSwan sends; larger ones are dropped.
inline constexpr size_t kMaxInitRequestLen = 4096;
// Most payloads one message may carry; more is refused as malformed so that a
// message of many tiny payloads cannot make the parser loop for long.
inline constexpr size_t kMaxPayloads = 64;

// §3.1 Exchange Type.
enum class ExchangeType : uint8_t {
  ike_sa_init = 34,
  ike_auth = 35,
  create_child_sa = 36,
  informational = 37,
};

// §3.2 Next Payload / payload type values.
enum class PayloadType : uint8_t {
  none = 0,
  sa = 33,         // §3.3
  ke = 34,         // §3.4
  idi = 35,        // §3.5
  idr = 36,        // §3.5
  cert = 37,       // §3.6 (not supported: ignored unless critical)
  certreq = 38,    // §3.7 (ignored)
  auth = 39,       // §3.8
  nonce = 40,      // §3.9
  notify = 41,     // §3.10
  del = 42,        // §3.11 (Delete)
  vendor_id = 43,  // §3.12 (ignored)
  tsi = 44,        // §3.13
  tsr = 45,        // §3.13
  sk = 46,         // §3.14 Encrypted and Authenticated
  cp = 47,         // §3.15 Configuration
  eap = 48,        // §3.16 (not supported)
  skf = 53,        // RFC 7383 Encrypted Fragment (not supported: not negotiated)
};
// §3.2: the critical bit is the top bit of the octet after Next Payload.
inline constexpr uint8_t kCriticalBit = 0x80;

// §3.3.1 Protocol ID.
enum class ProtocolId : uint8_t { ike = 1, ah = 2, esp = 3 };

// §3.3.2 Transform Type.
enum class TransformType : uint8_t { encr = 1, prf = 2, integ = 3, dh = 4, esn = 5 };
// §3.3.2 Transform IDs this implementation accepts (IANA registry values).
inline constexpr uint16_t kEncrAesGcm16 = 20;    // RFC 5282 §7 (16-octet ICV)
inline constexpr uint16_t kPrfHmacSha2_256 = 5;  // RFC 4868 §4
inline constexpr uint16_t kIntegNone = 0;        // §3.3.2: NONE, allowed with AEAD
inline constexpr uint16_t kDhNone = 0;
inline constexpr uint16_t kDhCurve25519 = 31;  // RFC 8031 §2
inline constexpr uint16_t kEsnNo = 0;          // §3.3.2 Extended Sequence Numbers
inline constexpr uint16_t kEsnYes = 1;
// §3.3.5 Transform attribute types (only Key Length is defined; TV format).
inline constexpr uint16_t kAttrKeyLength = 14;
inline constexpr uint16_t kAttrFormatTv = 0x8000;  // AF bit
// §3.3.1 / §3.3.2 substructure "last" markers.
inline constexpr uint8_t kLastSubstruc = 0;
inline constexpr uint8_t kMoreProposals = 2;
inline constexpr uint8_t kMoreTransforms = 3;
inline constexpr size_t kProposalHeaderLen = 8;
inline constexpr size_t kTransformHeaderLen = 8;
inline constexpr size_t kEspSpiLen = 4;  // §3.3.1: AH/ESP SPIs are 4 octets

// §3.5 ID Type.
enum class IdType : uint8_t {
  ipv4_addr = 1,
  fqdn = 2,
  rfc822_addr = 3,
  ipv6_addr = 5,
  der_asn1_dn = 9,
  der_asn1_gn = 10,
  key_id = 11,
};

// §3.8 Auth Method (and RFC 7427 §3).
enum class AuthMethod : uint8_t {
  rsa_sig = 1,
  shared_key_mic = 2,  // §2.15 PSK
  dss_sig = 3,
  digital_signature = 14,  // RFC 7427 §3 (carries an AlgorithmIdentifier)
};
// RFC 7427 §4 / RFC 8420 §2: hash algorithm "Identity" for SIGNATURE_HASH_ALGORITHMS.
inline constexpr uint16_t kHashIdentity = 5;
inline constexpr uint16_t kHashSha2_256 = 2;

// §3.9: nonces are 16..256 octets and at least half the PRF key size.
inline constexpr size_t kMinNonceLen = 16;
inline constexpr size_t kMaxNonceLen = 256;
inline constexpr size_t kNonceLen = 32;  // what we send (PRF-HMAC-SHA-256 key size)

// §3.10.1 Notify Message Types. Error types are below 16384, status types at
// or above (§3.10.1: an unrecognised status type MUST be ignored; an
// unrecognised error type in a response means the request failed).
enum class NotifyType : uint16_t {
  unsupported_critical_payload = 1,
  invalid_ike_spi = 4,
  invalid_major_version = 5,
  invalid_syntax = 7,
  invalid_message_id = 9,
  invalid_spi = 11,
  no_proposal_chosen = 14,
  invalid_ke_payload = 17,
  authentication_failed = 24,
  single_pair_required = 34,
  no_additional_sas = 35,
  internal_address_failure = 36,
  failed_cp_required = 37,
  ts_unacceptable = 38,
  invalid_selectors = 39,
  temporary_failure = 43,
  child_sa_not_found = 44,
  initial_contact = 16384,
  set_window_size = 16385,
  additional_ts_possible = 16386,
  ipcomp_supported = 16387,
  nat_detection_source_ip = 16388,
  nat_detection_destination_ip = 16389,
  cookie = 16390,
  use_transport_mode = 16391,
  rekey_sa = 16393,
  esp_tfc_padding_not_supported = 16394,
  non_first_fragments_also = 16395,
  mobike_supported = 16396,
  ikev2_fragmentation_supported = 16430,  // RFC 7383 §2.3
  signature_hash_algorithms = 16431,      // RFC 7427 §4
};
inline constexpr uint16_t kFirstStatusNotify = 16384;
inline constexpr bool is_error_notify(uint16_t t) {
  return t < kFirstStatusNotify;
}
// §2.6: a cookie is 1..64 octets.
inline constexpr size_t kMaxCookieLen = 64;
// §2.23: the NAT detection data is a SHA-1 digest.
inline constexpr size_t kNatDetectionHashLen = 20;

// §3.13.1 TS Type.
enum class TsType : uint8_t { ipv4_addr_range = 7, ipv6_addr_range = 8 };
inline constexpr size_t kTsIpv4Len = 16;  // §3.13.1 Selector Length for IPv4
inline constexpr size_t kTsIpv6Len = 40;  // §3.13.1 Selector Length for IPv6

// §3.15 CFG Type and §3.15.1 attribute types.
enum class CfgType : uint8_t { request = 1, reply = 2, set = 3, ack = 4 };
enum class CfgAttr : uint16_t {
  internal_ip4_address = 1,
  internal_ip4_netmask = 2,
  internal_ip4_dns = 3,
  internal_ip4_nbns = 4,
  internal_ip4_dhcp = 6,
  application_version = 7,
  internal_ip6_address = 8,
  internal_ip6_dns = 10,
  internal_ip4_subnet = 13,
  supported_attributes = 14,
  internal_ip6_subnet = 15,
};
inline constexpr uint16_t kCfgAttrTypeMask = 0x7fff;  // §3.15.1: top bit reserved

// RFC 5282 §3 / §7.1: AES-GCM in the SK payload: 8-octet explicit IV, 4-octet
// salt from the keying material, 16-octet ICV for ENCR_AES_GCM_16.
inline constexpr size_t kSkIvLen = 8;
inline constexpr size_t kSkSaltLen = 4;
inline constexpr size_t kSkIcvLen = 16;

// RFC 8031 §2: Curve25519 public values are 32 octets.
inline constexpr size_t kCurve25519KeLen = 32;
// PRF_HMAC_SHA2_256 (RFC 4868 §2.2): key and output are 32 octets.
inline constexpr size_t kPrfLen = 32;

}  // namespace ainet::ike
