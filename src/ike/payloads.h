// Decoders and encoders of the IKEv2 payload bodies (RFC 7296 §3.3-§3.15;
// the body is what follows the 4-octet generic header). Each decoder checks
// the lengths and reserved values its section defines and returns
// Errc::truncated / Errc::malformed; values that are well-formed but not
// supported (an unknown transform, an unknown TS type) are kept and marked,
// so that the policy code can answer NO_PROPOSAL_CHOSEN or skip them.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "ike/constants.h"
#include "ike/message.h"
#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::ike {

// ---- §3.3 Security Association ------------------------------------------

struct TransformSpec {
  TransformType type{};
  uint16_t id = 0;
  uint16_t key_length = 0;  // §3.3.5 Key Length attribute in bits; 0 = absent
  // §3.3.6: a transform with an attribute we do not recognise MUST be
  // rejected (treated as unacceptable, not as a syntax error).
  bool unknown_attribute = false;
  bool operator==(const TransformSpec&) const = default;
};

struct Proposal {
  uint8_t number = 0;
  uint8_t protocol = 0;  // ProtocolId value
  uint8_t spi_size = 0;  // 0, 4 or 8 (§3.3.1)
  uint64_t spi = 0;      // right-aligned, spi_size octets on the wire
  std::vector<TransformSpec> transforms;
};

// Bounds: a proposal list longer than this is refused (malformed).
inline constexpr size_t kMaxProposals = 32;
inline constexpr size_t kMaxTransforms = 64;

Result<std::vector<Proposal>> parse_sa(ByteSpan body);
void write_sa(Bytes& out, const std::vector<Proposal>& proposals);

// ---- §3.4 Key Exchange ---------------------------------------------------
struct KePayload {
  uint16_t group = 0;
  ByteSpan data;
};
Result<KePayload> parse_ke(ByteSpan body);
void write_ke(Bytes& out, uint16_t group, ByteSpan data);

// ---- §3.5 Identification -------------------------------------------------
struct Identity {
  uint8_t type = 0;  // IdType value
  Bytes data;
  bool operator==(const Identity&) const = default;
  static Identity fqdn(std::string_view name);
  static Identity rfc822(std::string_view name);
  static Identity key_id(ByteSpan id);
  static Identity address(const wire::IpAddress& a);
};
Result<Identity> parse_id(ByteSpan body);
void write_id(Bytes& out, const Identity& id);
// §2.15: the part of the ID payload that AUTH covers ("RestOfInitIDPayload"):
// ID Type, three reserved octets, then the identification data.
Bytes id_payload_body(const Identity& id);

// ---- §3.8 Authentication -------------------------------------------------
struct AuthPayload {
  uint8_t method = 0;  // AuthMethod value
  ByteSpan data;
};
Result<AuthPayload> parse_auth(ByteSpan body);
void write_auth(Bytes& out, uint8_t method, ByteSpan data);

// ---- §3.9 Nonce ------------------------------------------------------------
// 16..256 octets (§3.9).
Result<ByteSpan> parse_nonce(ByteSpan body);

// ---- §3.10 Notify ----------------------------------------------------------
struct NotifyPayload {
  uint8_t protocol = 0;  // 0 when no SPI
  uint16_t type = 0;
  ByteSpan spi;
  ByteSpan data;
};
Result<NotifyPayload> parse_notify(ByteSpan body);
void write_notify(Bytes& out, uint8_t protocol, uint16_t type, ByteSpan spi, ByteSpan data);

// ---- §3.11 Delete ------------------------------------------------------------
struct DeletePayload {
  uint8_t protocol = 0;  // ProtocolId value
  uint8_t spi_size = 0;
  uint16_t count = 0;
  ByteSpan spis;  // count * spi_size octets
  uint32_t esp_spi(size_t i) const { return load_be32(spis.data() + 4 * i); }
};
Result<DeletePayload> parse_delete(ByteSpan body);
void write_delete_ike(Bytes& out);
void write_delete_esp(Bytes& out, const std::vector<uint32_t>& spis);

// ---- §3.13 Traffic Selector --------------------------------------------------
struct TrafficSelector {
  uint8_t ts_type = static_cast<uint8_t>(TsType::ipv4_addr_range);
  uint8_t ip_protocol = 0;  // 0 = any
  uint16_t start_port = 0;
  uint16_t end_port = 65535;
  wire::IpAddress start;
  wire::IpAddress end;
  bool operator==(const TrafficSelector&) const = default;

  bool is_v4() const { return ts_type == static_cast<uint8_t>(TsType::ipv4_addr_range); }
  static TrafficSelector any_v4();
  static TrafficSelector any_v6();
  static TrafficSelector from_prefix(const wire::IpPrefix& p);
  static TrafficSelector host(const wire::IpAddress& a);
  std::string to_string() const;
};
inline constexpr size_t kMaxTrafficSelectors = 16;
// Unknown TS types are skipped (their Selector Length still has to fit);
// a payload left with none is still returned (empty) so the caller can
// answer TS_UNACCEPTABLE.
Result<std::vector<TrafficSelector>> parse_ts(ByteSpan body);
void write_ts(Bytes& out, const std::vector<TrafficSelector>& ts);

// ---- §3.15 Configuration -----------------------------------------------------
struct CfgAttribute {
  uint16_t type = 0;
  ByteSpan value;
};
struct ConfigPayload {
  uint8_t cfg_type = 0;  // CfgType value
  std::vector<CfgAttribute> attributes;
};
inline constexpr size_t kMaxCfgAttributes = 32;
Result<ConfigPayload> parse_cp(ByteSpan body);
// Owned attribute for building.
struct CfgAttributeOut {
  uint16_t type = 0;
  Bytes value;
};
void write_cp(Bytes& out, uint8_t cfg_type, const std::vector<CfgAttributeOut>& attrs);

// ---- The payloads of one message, decoded ---------------------------------
// decode_payloads() decodes every payload of a chain (the outer chain of
// IKE_SA_INIT, or the inner chain of an SK payload). §2.5: a payload type may
// appear at most once, except Notify, Delete, Vendor ID, CERT and CERTREQ.
// Unknown non-critical payloads are counted and skipped; an unknown critical
// one is reported in unsupported_critical (the message must then be refused).
struct DecodedPayloads {
  std::optional<std::vector<Proposal>> sa;
  std::optional<KePayload> ke;
  std::optional<ByteSpan> nonce;
  std::optional<Identity> idi, idr;
  std::optional<AuthPayload> auth;
  std::optional<std::vector<TrafficSelector>> tsi, tsr;
  std::optional<ConfigPayload> cp;
  std::vector<NotifyPayload> notifies;
  std::vector<DeletePayload> deletes;
  size_t vendor_ids = 0, certreqs = 0, certs = 0, unknown_skipped = 0;
  std::optional<uint8_t> unsupported_critical;
  bool has_sk = false;  // an SK payload in a chain handed to decode (outer)

  const NotifyPayload* find_notify(NotifyType t) const;
  // The first error-type notify (§3.10.1: type < 16384), if any.
  const NotifyPayload* first_error() const;
};
Result<DecodedPayloads> decode_payloads(const PayloadChain& chain);

}  // namespace ainet::ike
