// One length per inter-AIN link (paper §5.4 "Packet Padding";
// docs/protocol.md "Signaling and data have one length"): the plaintext
// size of a PVT signaling message such that its packet on the wire is
// exactly as long as a TVT cell packet of the same link.
//
//   ip carrier:  TVT = outer IP | AH | cell        (AH: AES-256-GMAC or HMAC-SHA-256-128)
//                PVT = outer IP | AH | ESP(AES-GCM) | msg (HMAC-SHA-256-128 AH, same IP)
//     so the ESP packet must be cell_size bytes long, plus the 8 bytes the
//     GMAC IV adds to the TVT's AH (g = 8 with AES-GMAC, else 0):
//       SPI+seq(8) + IV(8) + msg + pad + padlen/nh(2) + ICV(16) = cell_size + g
//     with (msg + pad + 2) a multiple of 4 (RFC 4303 §2.4); possible with
//     pad = 0 when cell_size is a multiple of 4: msg = cell_size + g - 34.
//   udp carrier: TVT = UDP | ESP(cell), no cipher: 8 + g + cell + pad + 2 + ICV(16)
//                PVT = UDP | ESP(AES-GCM)(msg):   8 + 8 + msg + pad + 2 + 16
//     equal when msg + 2 = align4(cell_size + 2) + g - 8.
#pragma once
#include <cstddef>

#include "core/engine_api.h"
#include "util/result.h"

namespace ainet::core {

// Errc::invalid_argument when no signaling message of at least min_size
// bytes fits (cell too small) or the ip carrier's cell is not a multiple of 4.
Result<size_t> signaling_size(Carrier carrier, TvtIntegrity integrity, size_t cell_size, size_t min_size);

}  // namespace ainet::core
