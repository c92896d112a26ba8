// read_tun_rounds: one wake-up's reads of a TUN, for ain-endpoint and aind's
// exit alike (plain TUN or IFF_VNET_HDR through TunOffloadIo).
//  - Bounded: at most kTunReadRounds batches per wake-up, so a busy TUN
//    cannot starve the carrier sockets or the timers (the loop is
//    level-triggered and comes back). The rest of a super-packet cut at a
//    full batch is still handed over after the last round (no new reads
//    then), so it never waits for the next packet to arrive.
//  - Stops as soon as a round found the TUN empty (BatchCounts::drained) or
//    came back short of full: another read would only return EAGAIN.
// on_batch(batch) sees every round's datagrams before the next read
// overwrites them.
#pragma once
#include <cstdint>
#include <optional>

#include "io/packet_batch.h"
#include "io/sys_result.h"
#include "io/tun_device.h"
#include "io/tun_offload_io.h"

namespace ainet::io {

inline constexpr int kTunReadRounds = 4;

struct TunReadOutcome {
  uint64_t dropped = 0;           // datagrams refused (counted by the reader)
  std::optional<SysError> error;  // a read that failed; reading stopped there
};

// `vnet`: the TunOffloadIo when the TUN has IFF_VNET_HDR, else nullptr.
template <class OnBatch>
TunReadOutcome read_tun_rounds(TunDevice& tun, TunOffloadIo* vnet, PacketBatch& batch,
                               OnBatch&& on_batch) {
  TunReadOutcome out;
  for (int round = 0; round < kTunReadRounds || (vnet != nullptr && vnet->pending()); ++round) {
    auto r = vnet != nullptr ? vnet->read_batch(tun, batch, round < kTunReadRounds)
                             : tun.read_batch(batch);
    if (!r) {
      out.error = r.error();
      break;
    }
    out.dropped += r->dropped;
    if (batch.size() != 0) on_batch(batch);
    // With offloads, a read stops short of full when the next super-packet
    // might not fit, or leaves the rest of one for the next call.
    const bool more =
        !r->drained &&
        (batch.full() ||
         (vnet != nullptr && (vnet->pending() || batch.capacity() - batch.size() < vnet->reserve())));
    if (!more) break;
  }
  return out;
}

}  // namespace ainet::io
