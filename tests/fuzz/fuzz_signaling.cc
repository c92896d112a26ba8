// Fuzzes the PVT signaling codec and the customer control message codec:
// whatever parses must serialize back to the same meaningful bytes, and
// reparse to the same value.
#include <array>
#include <cstring>

#include "fuzz_check.h"
#include "wire/signaling.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  if (auto m = parse_signaling(in)) {
    // The message is the first kSignalingSize bytes; a longer input is the
    // message plus link padding (core/link_sizes.h), which the parser skips
    // and the engine checks per link before it parses.
    FUZZ_CHECK(size >= kSignalingSize);
    std::array<uint8_t, kSignalingSize> out;
    FUZZ_CHECK(serialize_signaling(*m, out) == Errc::ok);
    FUZZ_CHECK(out[0] == data[0] && out[1] == data[1]);
    FUZZ_CHECK(std::memcmp(&out[4], &data[4], 4) == 0);
    if (m->command == SignalCommand::create)
      FUZZ_CHECK(std::memcmp(&out[8], &data[8], kSigOffBlob + kCreateBlobSize - 8) == 0);
    if (m->command == SignalCommand::created)
      FUZZ_CHECK(std::memcmp(&out[kSigOffBlob], &data[kSigOffBlob], kCreatedBlobSize) == 0);
    auto again = parse_signaling(out);
    FUZZ_CHECK(again.ok() && *again == *m);
  } else {
    FUZZ_CHECK(m.error() == Errc::malformed);
  }
  if (auto c = parse_customer_control(in)) {
    FUZZ_CHECK(size == kCustomerControlSize);
    std::array<uint8_t, kCustomerControlSize> out;
    FUZZ_CHECK(serialize_customer_control(*c, out) == Errc::ok);
    auto again = parse_customer_control(out);
    FUZZ_CHECK(again.ok() && *again == *c);
  }
  return 0;
}
