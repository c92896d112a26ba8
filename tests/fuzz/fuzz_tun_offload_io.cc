// Fuzzes the daemons' TUN glue (io/tun_offload_io.h) on what a TUN with
// IFF_VNET_HDR hands over (a virtio header then an IP packet): take() into a
// batch far smaller than a super-packet's segments, again and again on the
// rest it leaves in place, must end (bounded), never read or write out of
// range, and give segments whose checksums verify and whose payloads are,
// in order, the super-packet's; those segments coalesced again must be
// counted whole.
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_tcp_checksums.h"
#include "io/tun_offload_io.h"
#include "io/virtio_net_hdr.h"

using namespace ainet;
using namespace ainet::io;

namespace {

constexpr size_t kSlots = 7, kSlotSize = 1200, kMaxDatagram = 1100;


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > TunOffloadIo::kBufferSize) return 0;
  static TunOffloadIo io(kMaxDatagram);
  static PacketBatch batch(kSlots, kSlotSize);
  // The input in a buffer of its own exact size, so ASan sees any overrun.
  std::vector<uint8_t> read(data, data + size);
  auto h = parse_virtio_net_hdr(ByteSpan(read));
  const bool gso = h && h->is_gso() &&
                   ok(validate_virtio_net_hdr(*h, ByteSpan(read).subspan(kVirtioNetHdrSize)));
  const Bytes original(read.begin(), read.end());
  size_t hdr = 0;
  if (gso)
    hdr = h->csum_start +
          static_cast<size_t>(original[kVirtioNetHdrSize + h->csum_start + 12] >> 4) * 4;

  MutByteSpan r(read);
  size_t payload = 0, parts = 0, datagrams = 0;
  for (;;) {
    FUZZ_CHECK(++parts <= 65536 / kSlots + 2);  // every part takes at least one segment
    batch.clear();
    auto t = io.take(r, batch);
    if (!t) return 0;
    FUZZ_CHECK(t->datagrams == batch.size() && t->datagrams >= 1);
    datagrams += t->datagrams;
    for (size_t i = 0; gso && i < batch.size(); ++i) {
      const ByteSpan s = batch.packet(i);
      FUZZ_CHECK(s.size() <= kMaxDatagram);
      FUZZ_CHECK(fuzz::tcp_checksums_ok(s));
      FUZZ_CHECK(s.size() >= hdr);
      FUZZ_CHECK(payload + (s.size() - hdr) <= original.size() - kVirtioNetHdrSize - hdr);
      FUZZ_CHECK(std::memcmp(s.data() + hdr, original.data() + kVirtioNetHdrSize + hdr + payload,
                             s.size() - hdr) == 0);
      payload += s.size() - hdr;
    }
    const BatchCounts c = io.coalesce(batch, [](ByteSpan head, ByteSpan body) {
      auto wh = parse_virtio_net_hdr(head);
      FUZZ_CHECK(wh.ok());
      FUZZ_CHECK(head.size() + body.size() > kVirtioNetHdrSize);
      return true;
    });
    FUZZ_CHECK(c.done == batch.size() && c.dropped == 0);
    if (t->rest == 0) break;
    FUZZ_CHECK(gso && t->rest < r.size());
    r = r.subspan(t->rest);
  }
  if (gso) FUZZ_CHECK(payload == original.size() - kVirtioNetHdrSize - hdr);
  if (!gso) FUZZ_CHECK(datagrams == 1);
  return 0;
}
