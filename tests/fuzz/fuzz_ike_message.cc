// Fuzzes the IKEv2 message parser (RFC 7296 §3.1/§3.2): header, payload
// chain, SK placement, and the decoding of every payload in the chain.
// Whatever parses must be self-consistent: the Length field is the input
// size, the payloads tile the body exactly, SK (if any) is last and its AAD
// ends where its body starts.
#include "fuzz_check.h"
#include "ike/message.h"
#include "ike/payloads.h"

using namespace ainet;
using namespace ainet::ike;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto m = parse_message(in);
  if (!m) return 0;
  FUZZ_CHECK(m->header.length == size && size >= kIkeHeaderLen);
  size_t covered = kIkeHeaderLen;
  for (const RawPayload& p : m->payloads) {
    FUZZ_CHECK(p.whole.size() == p.body.size() + kGenericHeaderLen);
    FUZZ_CHECK(p.whole.data() == data + covered);
    covered += p.whole.size();
  }
  FUZZ_CHECK(covered == size);
  if (m->sk) {
    FUZZ_CHECK(m->payloads.items[m->payloads.count - 1].type ==
               static_cast<uint8_t>(PayloadType::sk));
    FUZZ_CHECK(m->sk_aad.data() == data && m->sk_aad.size() + m->sk->body.size() == size);
    // The inner chain of a decrypted SK payload is parsed by the same code:
    // run it over the (here unencrypted) body as if it were plaintext.
    PayloadChain inner;
    if (parse_payload_chain(m->sk_inner_first, m->sk->body, inner) == Errc::ok) {
      auto d = decode_payloads(inner);
      if (d) FUZZ_CHECK(!d->has_sk);
    }
  }
  auto d = decode_payloads(m->payloads);
  if (d) {
    FUZZ_CHECK(d->notifies.size() + d->deletes.size() <= m->payloads.count);
    if (d->unsupported_critical) FUZZ_CHECK(!is_known_payload_type(*d->unsupported_critical));
    if (d->nonce) FUZZ_CHECK(d->nonce->size() >= kMinNonceLen && d->nonce->size() <= kMaxNonceLen);
  }
  (void)find_unsupported_critical(m->payloads);
  return 0;
}
