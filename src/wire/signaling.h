// PVT signaling message (docs/protocol.md "PVT signaling message") and the
// customer control message (docs/protocol.md "Customer tunnels").
//
// Every signaling message is kSignalingSize bytes whatever the command, then
// zero padding up to the link's signaling size, so an observer cannot tell
// CREATE from DESTROY, nor signaling from a data cell, by size (paper §5.4,
// constant packet size; core/link_sizes.h). Parsing never allocates: the message is
// a fixed-size value type.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::wire {

constexpr size_t kSignalingSize = 1024;
constexpr size_t kMaxHops = 8;  // key-holding hops per route (n <= 9 AINs)
constexpr size_t kCreateSlotSize = 112;
constexpr size_t kCreatedSlotSize = 64;
constexpr size_t kCreateBlobSize = kMaxHops * kCreateSlotSize;    // 896
constexpr size_t kCreatedBlobSize = kMaxHops * kCreatedSlotSize;  // 512
constexpr size_t kTvtNonceSize = 16;
// The ESP next header that carries these messages is wire::kProtoOnion (253,
// wire/constants.h).
constexpr size_t kCustomerControlSize = 64;

// Offsets inside the 1024-byte message (docs/protocol.md table).
constexpr size_t kSigOffCommand = 0;
constexpr size_t kSigOffReason = 1;
constexpr size_t kSigOffSpi = 4;
constexpr size_t kSigOffSpiBwd = 8;
constexpr size_t kSigOffNonce = 12;
constexpr size_t kSigOffSeqFwd = 28;
constexpr size_t kSigOffSeqBwd = 36;
constexpr size_t kSigOffBlob = 44;
static_assert(kSigOffBlob + kCreateBlobSize + 84 == kSignalingSize);

// Paper Fig. 5 defines CREATE (0) and DESTROY (1); the rest are ainet's.
enum class SignalCommand : uint8_t {
  create = 0,
  destroy = 1,
  created = 2,
  create_failed = 3,
  keepalive = 4,
};

enum class SignalReason : uint8_t {
  none = 0,
  requested = 1,
  expired = 2,
  idle = 3,
  link_down = 4,
  auth = 5,
  no_route = 6,
  resources = 7,
  spi_collision = 8,
  timeout = 9,
};
constexpr uint8_t kMaxSignalReason = 9;

struct SignalingMessage {
  SignalCommand command = SignalCommand::keepalive;
  SignalReason reason = SignalReason::none;
  // CREATE: forward TVT SPI (inbound at the receiver). Other commands: the
  // SPI of the TVT that the receiver uses inbound.
  uint32_t spi = 0;
  // The following four fields are meaningful for CREATE only; parse leaves
  // them zero for other commands and serialize writes zero for them.
  uint32_t spi_bwd = 0;  // backward TVT SPI (inbound at the sender)
  std::array<uint8_t, kTvtNonceSize> tvt_nonce{};
  uint64_t seq_fwd = 0;  // forward AH initial sequence number
  uint64_t seq_bwd = 0;  // backward AH initial sequence number
  // CREATE: all 896 bytes. CREATED: the first 512 bytes (rest zero).
  // Other commands: zero.
  std::array<uint8_t, kCreateBlobSize> blob{};

  bool operator==(const SignalingMessage&) const = default;
};

// in.size() must be at least kSignalingSize (bytes past it are padding) and
// command/reason must be known values; otherwise Errc::malformed. Reserved
// and zero fields are ignored.
Result<SignalingMessage> parse_signaling(ByteSpan in);
// Writes exactly kSignalingSize bytes to out[0..1024). Reserved fields and
// fields that do not belong to the command are written as zero.
// Errc::buffer_too_small if out is shorter; Errc::invalid_argument for an
// unknown command/reason value.
[[nodiscard]] Errc serialize_signaling(const SignalingMessage& msg, MutByteSpan out);

// 64-byte customer control message, ESP next header 253 in a customer tunnel:
//   cmd(1)=1 DESTROY || family(1) 4|6 || reserved(2) || src(16) || dst(16) || zero(28)
// An IPv4 address fills the first 4 bytes of its 16-byte field, the rest zero.
enum class CustomerCommand : uint8_t { destroy = 1 };

struct CustomerControl {
  CustomerCommand command = CustomerCommand::destroy;
  IpAddress src;  // inner source of the flow to tear down
  IpAddress dst;  // inner destination; same family as src

  bool operator==(const CustomerControl&) const = default;
};

// in.size() must be exactly kCustomerControlSize, cmd known, family 4 or 6;
// otherwise Errc::malformed.
Result<CustomerControl> parse_customer_control(ByteSpan in);
// Errc::invalid_argument if src and dst families differ.
[[nodiscard]] Errc serialize_customer_control(const CustomerControl& msg, MutByteSpan out);

}  // namespace ainet::wire
