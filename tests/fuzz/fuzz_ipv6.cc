// Fuzzes parse_ipv6 and the extension-header walk.
#include <vector>

#include "fuzz_check.h"
#include "wire/ipv6.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto h = parse_ipv6(in);
  auto up = skip_ipv6_extension_headers(in);
  if (!h) {
    FUZZ_CHECK(!up);  // the walk validates the fixed header too
    return 0;
  }
  FUZZ_CHECK(h->payload.size() == h->payload_len);
  FUZZ_CHECK(kIpv6HeaderLen + h->payload_len <= size);
  if (up) {
    FUZZ_CHECK(up->offset >= kIpv6HeaderLen);
    FUZZ_CHECK(up->offset <= kIpv6HeaderLen + h->payload_len);
    FUZZ_CHECK(up->offset % 8 == 0);  // every skipped header is a multiple of 8 bytes
    FUZZ_CHECK(up->protocol != kProtoHopByHop || up->offset == kIpv6HeaderLen ||
               up->fragment_offset != 0);
  }
  // Round trip of the fixed header.
  std::vector<uint8_t> out(kIpv6HeaderLen);
  ByteWriter w(out);
  FUZZ_CHECK(write_ipv6_header(w, *h) == Errc::ok);
  for (size_t i = 0; i < kIpv6HeaderLen; ++i) FUZZ_CHECK(out[i] == data[i]);
  return 0;
}
