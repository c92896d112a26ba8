#include "ike/message.h"

#include <limits>

#include "ike/appender.h"

namespace ainet::ike {

Result<IkeHeader> parse_ike_header(ByteSpan msg) {
  ByteReader r(msg);
  IkeHeader h;
  h.spi_i = r.u64();
  h.spi_r = r.u64();
  h.next_payload = r.u8();
  const uint8_t version = r.u8();
  h.exchange = r.u8();
  h.flags = r.u8();
  h.message_id = r.u32();
  h.length = r.u32();
  if (!r.ok()) return Errc::truncated;
  h.major = version >> 4;
  h.minor = version & 0x0f;
  // §3.1: Length is the whole message; a datagram shorter than it lost data,
  // a longer one carries bytes nobody authenticated.
  if (h.length < kIkeHeaderLen) return Errc::malformed;
  if (h.length > msg.size()) return Errc::truncated;
  if (h.length < msg.size()) return Errc::malformed;
  // §2.5 / §1.5: a higher major version is answered (or dropped) by the caller.
  if (h.major != kMajorVersion)
    return h.major > kMajorVersion ? Errc::unsupported : Errc::malformed;
  // §3.1: the initiator's SPI is never zero.
  if (h.spi_i == 0) return Errc::malformed;
  return h;
}

Status parse_payload_chain(uint8_t first_type, ByteSpan data, PayloadChain& out,
                           uint8_t* sk_inner_first) {
  out.count = 0;
  ByteReader r(data);
  uint8_t type = first_type;
  while (type != static_cast<uint8_t>(PayloadType::none)) {
    if (out.count == kMaxPayloads) return Errc::malformed;
    const size_t start = r.pos();
    const uint8_t next = r.u8();
    const uint8_t flags = r.u8();
    const uint16_t len = r.u16();
    if (!r.ok()) return Errc::truncated;
    // §3.2: the length includes the 4-octet generic header.
    if (len < kGenericHeaderLen) return Errc::malformed;
    const ByteSpan body = r.bytes(len - kGenericHeaderLen);
    if (!r.ok()) return Errc::truncated;
    RawPayload& p = out.items[out.count++];
    p.type = type;
    p.critical = (flags & kCriticalBit) != 0;
    p.body = body;
    p.whole = data.subspan(start, len);
    if (type == static_cast<uint8_t>(PayloadType::sk)) {
      // §3.14: "the Encrypted payload, if present in a message, MUST be the
      // last payload"; its Next Payload is the first inner payload.
      if (r.remaining() != 0) return Errc::malformed;
      if (sk_inner_first == nullptr) return Errc::malformed;  // SK inside SK
      *sk_inner_first = next;
      return Errc::ok;
    }
    type = next;
  }
  // §3.2: nothing may follow the last payload.
  if (r.remaining() != 0) return Errc::malformed;
  return Errc::ok;
}

Result<ParsedMessage> parse_message(ByteSpan msg) {
  auto h = parse_ike_header(msg);
  if (!h) return h.error();
  ParsedMessage m;
  m.header = *h;
  uint8_t inner = 0;
  const ByteSpan body = msg.subspan(kIkeHeaderLen);
  if (Status s = parse_payload_chain(h->next_payload, body, m.payloads, &inner); !ok(s)) return s;
  if (m.payloads.count > 0) {
    const RawPayload& last = m.payloads.items[m.payloads.count - 1];
    if (last.type == static_cast<uint8_t>(PayloadType::sk)) {
      m.sk = last;
      m.sk_inner_first = inner;
      // RFC 5282 §5.1: AAD = IKE header .. end of the SK generic header.
      const size_t aad_len = static_cast<size_t>(last.body.data() - msg.data());
      m.sk_aad = msg.first(aad_len);
    }
  }
  return m;
}

bool is_known_payload_type(uint8_t type) {
  // §2.5: the types defined by RFC 7296 itself (33..48).
  return type >= static_cast<uint8_t>(PayloadType::sa) &&
         type <= static_cast<uint8_t>(PayloadType::eap);
}

std::optional<uint8_t> find_unsupported_critical(const PayloadChain& chain) {
  for (const RawPayload& p : chain) {
    if (p.critical && !is_known_payload_type(p.type)) return p.type;
  }
  return std::nullopt;
}

PayloadChainWriter::PayloadChainWriter(Bytes& out, size_t first_next_payload_at)
    : out_(out), link_at_(first_next_payload_at) {}

size_t PayloadChainWriter::begin_payload(PayloadType type, bool critical) {
  const auto t = static_cast<uint8_t>(type);
  if (count_ == 0) first_type_ = t;
  if (link_at_ != std::numeric_limits<size_t>::max()) out_[link_at_] = t;
  link_at_ = out_.size();  // this payload's Next Payload octet
  Appender a(out_);
  a.u8(0);
  a.u8(critical ? kCriticalBit : 0);
  a.u16(0);
  ++count_;
  return out_.size();
}

void PayloadChainWriter::end_payload(size_t body_at) {
  const size_t len = out_.size() - body_at + kGenericHeaderLen;
  store_be16(&out_[body_at - 2], static_cast<uint16_t>(len));
}

void PayloadChainWriter::add(PayloadType type, ByteSpan body, bool critical) {
  const size_t at = begin_payload(type, critical);
  out_.insert(out_.end(), body.begin(), body.end());
  end_payload(at);
}

void write_ike_header(Bytes& out, const IkeHeader& h) {
  out.clear();
  Appender a(out);
  a.u64(h.spi_i);
  a.u64(h.spi_r);
  a.u8(h.next_payload);
  a.u8(static_cast<uint8_t>((kMajorVersion << 4) | kMinorVersion));
  a.u8(h.exchange);
  a.u8(h.flags);
  a.u32(h.message_id);
  a.u32(0);
}

Status finish_message(Bytes& msg) {
  if (msg.size() < kIkeHeaderLen) return Errc::invalid_argument;
  if (msg.size() > kMaxMessageLen) return Errc::limit;
  store_be32(&msg[24], static_cast<uint32_t>(msg.size()));
  return Errc::ok;
}

}  // namespace ainet::ike
