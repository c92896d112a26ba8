// Fuzzes the SK payload (RFC 7296 §3.14 with AES-GCM, RFC 5282): opening
// arbitrary SK bodies under a fixed key must fail cleanly (truncated or
// auth_failed; never a crash), and sealing the input as inner payloads must
// open again to the same bytes, while any one-bit change is refused.
#include "fuzz_check.h"
#include "ike/sk.h"

using namespace ainet;
using namespace ainet::ike;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Bytes key(36, 0x42);
  auto tx = SkCipher::create(key);
  auto rx = SkCipher::create(key);
  FUZZ_CHECK(tx.ok() && rx.ok());
  // 1. The input as an SK body in a message with a valid header.
  IkeHeader h;
  h.spi_i = 1;
  h.spi_r = 2;
  h.exchange = static_cast<uint8_t>(ExchangeType::informational);
  Bytes msg;
  write_ike_header(msg, h);
  msg[16] = static_cast<uint8_t>(PayloadType::sk);
  const size_t sk_len = kGenericHeaderLen + size;
  if (sk_len <= 0xffff) {
    msg.push_back(size > 0 ? data[0] : 0);
    msg.push_back(0);
    msg.push_back(static_cast<uint8_t>(sk_len >> 8));
    msg.push_back(static_cast<uint8_t>(sk_len));
    msg.insert(msg.end(), data, data + size);
    if (finish_message(msg) == Errc::ok) {
      auto m = parse_message(msg);
      FUZZ_CHECK(m.ok() && m->sk.has_value());
      Bytes plain;
      const Errc e = rx.value()->open(*m, plain);
      FUZZ_CHECK(e == Errc::truncated || e == Errc::auth_failed || e == Errc::ok ||
                 e == Errc::malformed);
      if (e != Errc::ok) FUZZ_CHECK(plain.empty());
    }
  }
  // 2. Seal the input, open it back; a flipped bit is refused.
  Bytes sealed;
  if (tx.value()->seal_message(h, 0, ByteSpan(data, size), sealed) != Errc::ok) return 0;
  auto m = parse_message(sealed);
  FUZZ_CHECK(m.ok());
  Bytes plain;
  FUZZ_CHECK(rx.value()->open(*m, plain) == Errc::ok);
  FUZZ_CHECK(plain.size() == size && (size == 0 || std::equal(plain.begin(), plain.end(), data)));
  if (size > 0) {
    Bytes bad = sealed;
    bad[kIkeHeaderLen + kGenericHeaderLen + kSkIvLen + data[0] % size] ^= 1;
    auto mb = parse_message(bad);
    FUZZ_CHECK(mb.ok());
    FUZZ_CHECK(rx.value()->open(*mb, plain) == Errc::auth_failed);
  }
  return 0;
}
