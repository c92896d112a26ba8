// Fuzzes parse_ipv4 and checks that a parsed header re-encodes to the same bytes.
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "wire/ipv4.h"

using namespace ainet;
using namespace ainet::wire;

namespace {
bool same_header(const uint8_t* ours, const uint8_t* theirs, size_t len) {
  if (std::memcmp(ours, theirs, 10) != 0 || std::memcmp(ours + 12, theirs + 12, len - 12) != 0)
    return false;
  const uint16_t a = load_be16(ours + 10), b = load_be16(theirs + 10);
  return a == b || (a == 0x0000 && b == 0xffff);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto h = parse_ipv4(in);
  if (!h) return 0;
  FUZZ_CHECK(h->header_len() >= kIpv4MinHeaderLen && h->header_len() <= kIpv4MaxHeaderLen);
  FUZZ_CHECK(h->header_len() + h->payload.size() == h->total_len);
  FUZZ_CHECK(h->total_len <= size);
  FUZZ_CHECK(h->payload.data() == data + h->header_len());
  // Round trip: writing the parsed fields gives back the original header
  // bytes. The checksum may differ only by the one's-complement "negative
  // zero": a received 0xffff verifies where we compute 0x0000 (RFC 1624 §3).
  std::vector<uint8_t> out(h->header_len());
  ByteWriter w(out);
  FUZZ_CHECK(write_ipv4_header(w, *h) == Errc::ok);
  FUZZ_CHECK(same_header(out.data(), data, out.size()));
  // Recomputing the checksum of a valid header changes nothing else.
  std::vector<uint8_t> copy(data, data + size);
  FUZZ_CHECK(ipv4_update_checksum(copy) == Errc::ok);
  FUZZ_CHECK(same_header(copy.data(), data, h->header_len()));
  FUZZ_CHECK(std::memcmp(copy.data() + h->header_len(), data + h->header_len(),
                         size - h->header_len()) == 0);
  FUZZ_CHECK(parse_ipv4(copy).ok());
  return 0;
}
