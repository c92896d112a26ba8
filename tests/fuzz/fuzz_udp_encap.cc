// Fuzzes RFC 3948 classification and the UDP header codec/checksum.
#include <vector>

#include "fuzz_check.h"
#include "wire/udp_encap.h"

using namespace ainet;
using namespace ainet::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  if (auto c = classify_udp_encap(in)) {
    switch (c->kind) {
      case UdpEncapKind::keepalive:
        FUZZ_CHECK(size == 1 && data[0] == kNatKeepaliveByte);
        break;
      case UdpEncapKind::ike:
        FUZZ_CHECK(size >= 4 && load_be32(data) == 0 && c->data.size() == size - 4);
        break;
      case UdpEncapKind::esp:
        FUZZ_CHECK(size >= 8 && load_be32(data) != 0 && c->data.size() == size);
        break;
    }
  }

  const IpAddress v4a = IpAddress::v4(0xc0000201), v4b = IpAddress::v4(0xc0000202);
  const IpAddress v6a = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  const IpAddress v6b = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  if (auto u = parse_udp(in)) {
    FUZZ_CHECK(u->length >= kUdpHeaderLen && u->length <= size);
    FUZZ_CHECK(u->payload.size() + kUdpHeaderLen == u->length);
    const ByteSpan dgram = in.first(u->length);
    (void)verify_udp_checksum(v4a, v4b, dgram);
    (void)verify_udp_checksum(v6a, v6b, dgram);
    // Whatever we finalize, we verify.
    std::vector<uint8_t> copy(dgram.begin(), dgram.end());
    FUZZ_CHECK(finalize_udp_header(copy, v6a, v6b, u->src_port, u->dst_port, true) == Errc::ok);
    FUZZ_CHECK(verify_udp_checksum(v6a, v6b, copy) == Errc::ok);
    FUZZ_CHECK(finalize_udp_header(copy, v4a, v4b, u->src_port, u->dst_port, (size & 1) != 0) ==
               Errc::ok);
    FUZZ_CHECK(verify_udp_checksum(v4a, v4b, copy) == Errc::ok);
  }
  return 0;
}
