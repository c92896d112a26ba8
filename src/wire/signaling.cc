#include "wire/signaling.h"

#include <algorithm>
#include <cstring>

namespace ainet::wire {
namespace {

constexpr uint8_t kMaxSignalCommand = static_cast<uint8_t>(SignalCommand::keepalive);

size_t blob_bytes_for(SignalCommand c) {
  switch (c) {
    case SignalCommand::create: return kCreateBlobSize;
    case SignalCommand::created: return kCreatedBlobSize;
    default: return 0;
  }
}

}  // namespace

Result<SignalingMessage> parse_signaling(ByteSpan in) {
  // docs/protocol.md: the message is the first kSignalingSize bytes; what
  // follows is zero padding up to the link's signaling size, which makes a
  // signaling packet as long as a data cell packet (core/link_sizes.h). The
  // engine checks that exact size per link before parsing.
  if (in.size() < kSignalingSize) return Errc::malformed;
  ByteReader r(in);
  SignalingMessage m;
  const uint8_t cmd = r.u8();
  const uint8_t reason = r.u8();
  if (cmd > kMaxSignalCommand || reason > kMaxSignalReason) return Errc::malformed;
  m.command = static_cast<SignalCommand>(cmd);
  m.reason = static_cast<SignalReason>(reason);
  r.skip(2);  // reserved: ignored on receipt
  m.spi = r.u32();
  if (m.command == SignalCommand::create) {
    m.spi_bwd = r.u32();
    std::memcpy(m.tvt_nonce.data(), r.bytes(kTvtNonceSize).data(), kTvtNonceSize);
    m.seq_fwd = r.u64();
    m.seq_bwd = r.u64();
  }
  const size_t blob = blob_bytes_for(m.command);
  if (blob) std::memcpy(m.blob.data(), in.data() + kSigOffBlob, blob);
  if (!r.ok()) return Errc::malformed;  // cannot happen with the size check above
  return m;
}

Errc serialize_signaling(const SignalingMessage& m, MutByteSpan out) {
  if (out.size() < kSignalingSize) return Errc::buffer_too_small;
  const auto cmd = static_cast<uint8_t>(m.command);
  const auto reason = static_cast<uint8_t>(m.reason);
  if (cmd > kMaxSignalCommand || reason > kMaxSignalReason) return Errc::invalid_argument;
  ByteWriter w(out.first(kSignalingSize));
  w.u8(cmd);
  w.u8(reason);
  w.zeros(2);  // reserved
  w.u32(m.spi);
  if (m.command == SignalCommand::create) {
    w.u32(m.spi_bwd);
    w.bytes(m.tvt_nonce);
    w.u64(m.seq_fwd);
    w.u64(m.seq_bwd);
  } else {
    w.zeros(kSigOffBlob - kSigOffSpiBwd);
  }
  const size_t blob = blob_bytes_for(m.command);
  w.bytes(ByteSpan(m.blob.data(), blob));
  w.zeros(kSignalingSize - w.pos());
  return w.ok() ? Errc::ok : Errc::buffer_too_small;
}

Result<CustomerControl> parse_customer_control(ByteSpan in) {
  if (in.size() != kCustomerControlSize) return Errc::malformed;
  ByteReader r(in);
  const uint8_t cmd = r.u8();
  const uint8_t family = r.u8();
  r.skip(2);  // reserved
  ByteSpan src = r.bytes(16);
  ByteSpan dst = r.bytes(16);
  if (!r.ok() || cmd != static_cast<uint8_t>(CustomerCommand::destroy)) return Errc::malformed;
  CustomerControl c;
  c.command = CustomerCommand::destroy;
  size_t alen = 0;
  if (family == static_cast<uint8_t>(IpFamily::v4)) {
    alen = 4;
  } else if (family == static_cast<uint8_t>(IpFamily::v6)) {
    alen = 16;
  } else {
    return Errc::malformed;
  }
  auto s = IpAddress::from_bytes(src.first(alen));
  auto d = IpAddress::from_bytes(dst.first(alen));
  if (!s || !d) return Errc::malformed;
  c.src = *s;
  c.dst = *d;
  return c;
}

Errc serialize_customer_control(const CustomerControl& c, MutByteSpan out) {
  if (out.size() < kCustomerControlSize) return Errc::buffer_too_small;
  if (c.src.family() != c.dst.family() || c.command != CustomerCommand::destroy)
    return Errc::invalid_argument;
  ByteWriter w(out.first(kCustomerControlSize));
  w.u8(static_cast<uint8_t>(c.command));
  w.u8(static_cast<uint8_t>(c.src.family()));
  w.zeros(2);
  w.bytes(c.src.bytes());
  w.zeros(16 - c.src.size());
  w.bytes(c.dst.bytes());
  w.zeros(16 - c.dst.size());
  w.zeros(kCustomerControlSize - w.pos());
  return w.ok() ? Errc::ok : Errc::buffer_too_small;
}

}  // namespace ainet::wire
