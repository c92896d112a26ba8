// §3.4 KE, §3.5 ID, §3.8 AUTH, §3.9 Nonce, §3.10 Notify, §3.11 Delete.
#include "ike/payloads.h"

#include "ike/appender.h"

namespace ainet::ike {

Result<KePayload> parse_ke(ByteSpan body) {
  ByteReader r(body);
  KePayload k;
  k.group = r.u16();
  r.u16();  // RESERVED (§3.4: ignored on receipt)
  if (!r.ok()) return Errc::truncated;
  k.data = r.rest();
  // §3.4: the Key Exchange Data is never empty; its exact size depends on
  // the group and is checked by whoever uses it (INVALID_SYNTAX vs
  // INVALID_KE_PAYLOAD is a policy question, §1.2).
  if (k.data.empty()) return Errc::malformed;
  return k;
}

void write_ke(Bytes& out, uint16_t group, ByteSpan data) {
  Appender a(out);
  a.u16(group);
  a.u16(0);
  a.bytes(data);
}

Identity Identity::fqdn(std::string_view name) {
  return {static_cast<uint8_t>(IdType::fqdn), Bytes(name.begin(), name.end())};
}
Identity Identity::rfc822(std::string_view name) {
  return {static_cast<uint8_t>(IdType::rfc822_addr), Bytes(name.begin(), name.end())};
}
Identity Identity::key_id(ByteSpan id) {
  return {static_cast<uint8_t>(IdType::key_id), Bytes(id.begin(), id.end())};
}
Identity Identity::address(const wire::IpAddress& addr) {
  const auto t = addr.is_v4() ? IdType::ipv4_addr : IdType::ipv6_addr;
  return {static_cast<uint8_t>(t), Bytes(addr.bytes().begin(), addr.bytes().end())};
}

Result<Identity> parse_id(ByteSpan body) {
  ByteReader r(body);
  Identity id;
  id.type = r.u8();
  r.skip(3);  // RESERVED
  if (!r.ok()) return Errc::truncated;
  const ByteSpan data = r.rest();
  if (data.empty()) return Errc::malformed;
  // §3.5: address identities have a fixed size.
  if (id.type == static_cast<uint8_t>(IdType::ipv4_addr) && data.size() != 4)
    return Errc::malformed;
  if (id.type == static_cast<uint8_t>(IdType::ipv6_addr) && data.size() != 16)
    return Errc::malformed;
  id.data.assign(data.begin(), data.end());
  return id;
}

Bytes id_payload_body(const Identity& id) {
  Bytes b;
  Appender a(b);
  a.u8(id.type);
  a.zeros(3);
  a.bytes(id.data);
  return b;
}

void write_id(Bytes& out, const Identity& id) {
  const Bytes b = id_payload_body(id);
  out.insert(out.end(), b.begin(), b.end());
}

Result<AuthPayload> parse_auth(ByteSpan body) {
  ByteReader r(body);
  AuthPayload a;
  a.method = r.u8();
  r.skip(3);  // RESERVED
  if (!r.ok()) return Errc::truncated;
  a.data = r.rest();
  if (a.data.empty()) return Errc::malformed;
  return a;
}

void write_auth(Bytes& out, uint8_t method, ByteSpan data) {
  Appender a(out);
  a.u8(method);
  a.zeros(3);
  a.bytes(data);
}

Result<ByteSpan> parse_nonce(ByteSpan body) {
  // §3.9: "the size of the Nonce Data MUST be between 16 and 256 octets".
  if (body.size() < kMinNonceLen) return Errc::truncated;
  if (body.size() > kMaxNonceLen) return Errc::malformed;
  return body;
}

Result<NotifyPayload> parse_notify(ByteSpan body) {
  ByteReader r(body);
  NotifyPayload n;
  n.protocol = r.u8();
  const uint8_t spi_size = r.u8();
  n.type = r.u16();
  if (!r.ok()) return Errc::truncated;
  // §3.10: SPI Size is 0 (no SPI, e.g. for the IKE SA), 4 (AH/ESP) or 8.
  if (spi_size != 0 && spi_size != kEspSpiLen && spi_size != kIkeSpiLen) return Errc::malformed;
  n.spi = r.bytes(spi_size);
  if (!r.ok()) return Errc::truncated;
  n.data = r.rest();
  return n;
}

void write_notify(Bytes& out, uint8_t protocol, uint16_t type, ByteSpan spi, ByteSpan data) {
  Appender a(out);
  a.u8(protocol);
  a.u8(static_cast<uint8_t>(spi.size()));
  a.u16(type);
  a.bytes(spi);
  a.bytes(data);
}

Result<DeletePayload> parse_delete(ByteSpan body) {
  ByteReader r(body);
  DeletePayload d;
  d.protocol = r.u8();
  d.spi_size = r.u8();
  d.count = r.u16();
  if (!r.ok()) return Errc::truncated;
  // §3.11: for the IKE SA the SPI Size is 0 and there are no SPIs; for ESP
  // and AH it is 4. Other protocols are not defined.
  if (d.protocol == static_cast<uint8_t>(ProtocolId::ike)) {
    if (d.spi_size != 0 || d.count != 0 || r.remaining() != 0) return Errc::malformed;
    return d;
  }
  if (d.protocol != static_cast<uint8_t>(ProtocolId::esp) &&
      d.protocol != static_cast<uint8_t>(ProtocolId::ah))
    return Errc::malformed;
  if (d.spi_size != kEspSpiLen) return Errc::malformed;
  const size_t need = size_t{d.count} * d.spi_size;
  if (r.remaining() < need) return Errc::truncated;
  if (r.remaining() > need) return Errc::malformed;
  d.spis = r.bytes(need);
  return d;
}

void write_delete_ike(Bytes& out) {
  Appender a(out);
  a.u8(static_cast<uint8_t>(ProtocolId::ike));
  a.u8(0);
  a.u16(0);
}

void write_delete_esp(Bytes& out, const std::vector<uint32_t>& spis) {
  Appender a(out);
  a.u8(static_cast<uint8_t>(ProtocolId::esp));
  a.u8(kEspSpiLen);
  a.u16(static_cast<uint16_t>(spis.size()));
  for (uint32_t s : spis) a.u32(s);
}

}  // namespace ainet::ike
