// IKEv2 message framing (RFC 7296 §3.1, §3.2, §2.5): the fixed IKE header,
// the chain of generic payload headers, and a builder that links the chain.
// The payload bodies are decoded by payloads.h; the SK payload by sk.h.
//
// Rules enforced here (each refusal is Errc::truncated or Errc::malformed,
// never an exception):
//  * §3.1: at least 28 octets; the Length field equals the datagram's IKE
//    message length exactly (trailing bytes are refused, a shorter datagram
//    is truncated); Major Version 2 (a higher one is Errc::unsupported so the
//    caller may answer INVALID_MAJOR_VERSION, §1.5); Exchange Type any value
//    (the state machine refuses what it does not know).
//  * §3.2: each payload length is >= 4 and inside the message; the chain
//    ends with Next Payload 0 exactly at the end of the message.
//  * §3.14: the SK payload is the last payload; its Next Payload names the
//    first payload inside it, which is decoded after decryption.
//  * kMaxPayloads bounds the chain.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "ike/constants.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::ike {

struct IkeHeader {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  uint8_t next_payload = 0;
  uint8_t major = kMajorVersion;
  uint8_t minor = kMinorVersion;
  uint8_t exchange = 0;  // ExchangeType value (raw: unknown values are the caller's call)
  uint8_t flags = 0;
  uint32_t message_id = 0;
  uint32_t length = 0;  // parse: the Length field; build: filled in by finish()

  bool is_response() const { return (flags & kFlagResponse) != 0; }
  bool from_original_initiator() const { return (flags & kFlagInitiator) != 0; }
  ExchangeType exchange_type() const { return static_cast<ExchangeType>(exchange); }
};

// Parses the 28-octet header of `msg` and checks the Length field against
// msg.size() (§3.1). Errors: truncated, malformed, unsupported (major > 2).
Result<IkeHeader> parse_ike_header(ByteSpan msg);

// One payload of a chain: its type (the previous Next Payload), the critical
// bit (§3.2) and its body (after the 4-octet generic header).
struct RawPayload {
  uint8_t type = 0;
  bool critical = false;
  ByteSpan body;
  ByteSpan whole;  // generic header + body
};

struct PayloadChain {
  std::array<RawPayload, kMaxPayloads> items{};
  size_t count = 0;
  const RawPayload* begin() const { return items.data(); }
  const RawPayload* end() const { return items.data() + count; }
};

// Walks a payload chain that starts with `first_type` and must cover `data`
// exactly (§3.2). An SK payload (§3.14) must be the last one; it is returned
// as a RawPayload whose body is IV || ciphertext || ICV, and its Next Payload
// value (the first inner payload type) goes to *sk_inner_first.
Status parse_payload_chain(uint8_t first_type, ByteSpan data, PayloadChain& out,
                           uint8_t* sk_inner_first = nullptr);

// A whole IKE message: header and outer payload chain.
struct ParsedMessage {
  IkeHeader header;
  PayloadChain payloads;
  // Set when the last outer payload is SK: its generic header and body, the
  // type of the first inner payload, and the bytes the AEAD authenticates
  // as associated data (RFC 5282 §5.1: from the IKE header to the end of
  // the SK generic header).
  std::optional<RawPayload> sk;
  uint8_t sk_inner_first = 0;
  ByteSpan sk_aad;
};

Result<ParsedMessage> parse_message(ByteSpan msg);

// §2.5: payload types this implementation knows. The critical bit is ignored
// for them; an unknown payload is skipped unless it is critical, in which
// case the whole message is refused with UNSUPPORTED_CRITICAL_PAYLOAD.
bool is_known_payload_type(uint8_t type);
// The first unknown critical payload's type in a chain, if any.
std::optional<uint8_t> find_unsupported_critical(const PayloadChain& chain);

// Appends payloads and links the Next Payload fields (§3.2). Use for the
// outer chain (start with the header) and for the inner plaintext of SK.
class PayloadChainWriter {
 public:
  // `out` receives the payloads; `first_next_payload_at` is the offset of the
  // octet that must name the first payload (the header's Next Payload at
  // offset 16, or SIZE_MAX when the caller records the first type itself).
  PayloadChainWriter(Bytes& out, size_t first_next_payload_at);
  // Writes a generic header for `type` and returns the offset of its body;
  // the body is appended by the caller, then end_payload() sets the length.
  size_t begin_payload(PayloadType type, bool critical = false);
  void end_payload(size_t body_at);
  // Convenience: a whole payload with a ready body.
  void add(PayloadType type, ByteSpan body, bool critical = false);
  uint8_t first_type() const { return first_type_; }
  size_t count() const { return count_; }

 private:
  Bytes& out_;
  size_t link_at_;
  uint8_t first_type_ = 0;
  size_t count_ = 0;
};

// Writes the 28-octet header with Length 0 into an empty buffer; finish
// fills in the Length (§3.1).
void write_ike_header(Bytes& out, const IkeHeader& h);
Status finish_message(Bytes& msg);

}  // namespace ainet::ike
