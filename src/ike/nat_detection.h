// NAT detection (RFC 7296 §2.23): NAT_DETECTION_SOURCE_IP and
// NAT_DETECTION_DESTINATION_IP carry SHA-1(SPIi | SPIr | IP | Port) of the
// sender's source and of the destination address/port as the sender saw
// them. In IKE_SA_INIT's request SPIr is zero. A receiver that cannot match
// the destination hash with its own address knows it is behind a NAT; one
// that matches none of the source hashes knows the peer is.
#pragma once
#include <array>
#include <cstdint>

#include "ike/constants.h"
#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::ike {

using NatHash = std::array<uint8_t, kNatDetectionHashLen>;

Result<NatHash> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, const wire::IpAddress& addr,
                                   uint16_t port);
// True if `data` (a NAT_DETECTION_* notification's data) equals the hash of
// addr/port under these SPIs.
bool nat_hash_matches(ByteSpan data, uint64_t spi_i, uint64_t spi_r, const wire::IpAddress& addr,
                      uint16_t port);

}  // namespace ainet::ike
