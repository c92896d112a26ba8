// Fuzzes AH location and mutable-field zeroing on IPv4/IPv6 packets; the
// first input byte picks the ICV length.
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "wire/ah.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr size_t kIcv[] = {12, 16, 32, 0};
  const size_t icv_len = kIcv[data[0] & 3];
  const ByteSpan in(data + 1, size - 1);

  if (auto h = parse_ah_header(in, (data[0] & 4) != 0)) {
    FUZZ_CHECK(h->total_len() <= in.size());
    FUZZ_CHECK(kAhFixedLen + h->icv_field.size() == h->total_len());
  }

  auto loc = locate_ah(in);
  std::vector<uint8_t> scratch(in.begin(), in.end());
  auto zeroed = ah_zero_mutable_fields(scratch, icv_len);
  if (!loc) {
    FUZZ_CHECK(!zeroed);
    FUZZ_CHECK(in.empty() || std::memcmp(scratch.data(), in.data(), in.size()) == 0);
    return 0;
  }
  FUZZ_CHECK(loc->ah_offset + loc->ah.total_len() == loc->payload_offset);
  FUZZ_CHECK(loc->payload_offset <= loc->packet_len && loc->packet_len <= in.size());
  if (zeroed) {
    FUZZ_CHECK(zeroed->ah_offset == loc->ah_offset);
    // Nothing outside the IP packet is touched; the AH fixed part and the
    // payload after AH are immutable.
    for (size_t i = loc->packet_len; i < in.size(); ++i) FUZZ_CHECK(scratch[i] == in[i]);
    for (size_t i = loc->ah_offset; i < loc->ah_offset + kAhFixedLen; ++i)
      FUZZ_CHECK(scratch[i] == in[i]);
    for (size_t i = loc->payload_offset; i < loc->packet_len; ++i) FUZZ_CHECK(scratch[i] == in[i]);
    for (size_t i = 0; i < icv_len; ++i) FUZZ_CHECK(scratch[loc->ah_offset + kAhFixedLen + i] == 0);
  }
  return 0;
}
