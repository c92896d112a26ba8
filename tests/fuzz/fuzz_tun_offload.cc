// Fuzzes what a TUN with IFF_VNET_HDR hands over (io/virtio_net_hdr.h): the
// input is a virtio header then an IP packet. A header that validates must
// segment (io/tcp_segmentation.h) into packets whose IPv4 header and TCP
// checksums verify and whose payloads add up to the super-packet's; those
// segments, coalesced again (io/tcp_coalescing.h), must give a super-packet
// that validates and cuts back into the same segments.
#include <array>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_tcp_checksums.h"
#include "io/tcp_coalescing.h"
#include "io/tcp_segmentation.h"
#include "io/virtio_net_hdr.h"

using namespace ainet;
using namespace ainet::io;

namespace {

constexpr size_t kSlots = 80, kSlotSize = 1200, kCap = 1000;


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<std::array<uint8_t, kSlotSize>> store(kSlots), again(kSlots);
  static std::vector<uint8_t> super(kVirtioNetHdrSize + 65535);
  auto h = parse_virtio_net_hdr(ByteSpan(data, size));
  if (!h) return 0;
  const ByteSpan pkt(data + kVirtioNetHdrSize, size - kVirtioNetHdrSize);
  const Status v = validate_virtio_net_hdr(*h, pkt);
  auto count = tcp_segment_count(*h, pkt, kCap);
  FUZZ_CHECK(ok(v) == count.ok());
  if (!ok(v) || !h->is_gso()) return 0;

  std::array<MutByteSpan, kSlots> bufs;
  for (size_t i = 0; i < kSlots; ++i) bufs[i] = MutByteSpan(store[i]);
  std::array<size_t, kSlots> lens{};
  auto n = tcp_segment(*h, pkt, kCap, bufs, lens);
  if (!n) {
    FUZZ_CHECK(n.error() == Errc::buffer_too_small);  // more than kSlots, or headers too long
    return 0;
  }
  FUZZ_CHECK(*n == *count);
  const size_t hdr = h->csum_start + static_cast<size_t>(pkt[h->csum_start + 12] >> 4) * 4;
  size_t payload = 0;
  for (size_t i = 0; i < *n; ++i) {
    const ByteSpan s(store[i].data(), lens[i]);
    FUZZ_CHECK(fuzz::tcp_checksums_ok(s));
    FUZZ_CHECK(std::memcmp(s.data() + hdr, pkt.data() + hdr + payload, s.size() - hdr) == 0);
    payload += s.size() - hdr;
  }
  FUZZ_CHECK(payload == pkt.size() - hdr);

  // Join them again; when all join, the result cuts back into the same bytes.
  TcpCoalescer co(super);
  if (!co.start(ByteSpan(store[0].data(), lens[0]))) return 0;
  size_t joined = 1;
  while (joined < *n && co.append(ByteSpan(store[joined].data(), lens[joined]))) ++joined;
  const ByteSpan w = co.finish();
  auto h2 = parse_virtio_net_hdr(w);
  FUZZ_CHECK(h2.ok());
  const ByteSpan pkt2 = w.subspan(kVirtioNetHdrSize);
  if (joined == 1) {
    FUZZ_CHECK(!h2->is_gso());
    return 0;
  }
  FUZZ_CHECK(ok(validate_virtio_net_hdr(*h2, pkt2)));
  for (size_t i = 0; i < kSlots; ++i) bufs[i] = MutByteSpan(again[i]);
  std::array<size_t, kSlots> lens2{};
  auto n2 = tcp_segment(*h2, pkt2, kCap, bufs, lens2);
  FUZZ_CHECK(n2.ok() && *n2 == joined);
  for (size_t i = 0; i < joined; ++i) {
    FUZZ_CHECK(lens2[i] == lens[i]);
    FUZZ_CHECK(std::memcmp(again[i].data(), store[i].data(), lens[i]) == 0);
  }
  return 0;
}
