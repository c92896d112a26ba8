// CarrierIo: the daemon's sockets for the configured carrier and the batches
// that move packets between them and the engine.
//   ip:  raw sockets for IP protocols 51 (AH) and 50 (ESP), IPv4 and IPv6
//        (io/raw_ip_socket.h); packets in both directions are whole IP packets.
//   udp: UDP sockets on udp_port (RFC 3948), IPv4 and IPv6; packets are the
//        UDP payloads, with the peer's address and UDP source port. Packets
//        go to the port a peer was last authenticated from (a peer behind a
//        NAT, RFC 3948 §3; daemon/peer_port_table.h), else to udp_port.
// Outgoing packets queue into preallocated batches and leave with one
// sendmmsg per socket when the daemon flushes (after each event), or earlier
// when a batch fills. Nothing here allocates per packet.
// Send thread (io/send_pipeline.h, docs/send-thread.md): the batches come
// from a SendPipeline; with start_send_thread() the system calls that send
// them run on a thread of their own, else at flush() on the caller's thread.
// Everything the sending side writes that the caller reads (send counters,
// GSO refusals, errors) crosses threads through atomics (the error text
// under a mutex, on the error path only).
// udp carrier offloads (io/udp_offload.h): equal-size cells to one peer in a
// batch leave as one UDP GSO send, and the sockets receive with UDP GRO, each
// coalesced buffer cut back into its datagrams in place. A kernel that lacks
// either gets a startup warning and the plain path; a GSO send refused at
// run time switches GSO off for that socket (counted, logged once).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/engine_api.h"
#include "daemon/peer_port_table.h"
#include "io/packet_batch.h"
#include "io/raw_ip_socket.h"
#include "io/send_pipeline.h"
#include "io/sys_result.h"
#include "io/udp_offload.h"
#include "io/udp_socket.h"
#include "wire/ip_address.h"

namespace ainet::daemon {

struct CarrierCounters {
  uint64_t received = 0, recv_dropped = 0;  // recv_dropped: truncated / unusable
  uint64_t sent = 0, send_dropped = 0;      // send_dropped: refused, congested, wrong family
  uint64_t bytes_received = 0, bytes_sent = 0;  // of `received` / `sent` (UDP payloads or whole IP packets)
  uint64_t gso_refused = 0;  // udp: GSO sends the kernel refused (GSO then off on that socket)
  uint64_t gso_sends = 0;    // udp: sends that carried 2+ datagrams (UDP_SEGMENT)
  uint64_t gro_buffers = 0;  // udp: received buffers that held 2+ datagrams (UDP_GRO)
};

class CarrierIo final : private io::BatchSender {
 public:
  // Opens the sockets. An address family the host lacks (no IPv6) is skipped
  // with a note in `warnings`; having neither family is an error.
  // `send_thread`: size the batch pool for start_send_thread() (a few
  // batches per socket in flight); without it, one batch per socket.
  static io::SysResult<std::unique_ptr<CarrierIo>> open(core::Carrier carrier, uint16_t udp_port,
                                                        std::vector<std::string>& warnings,
                                                        bool send_thread = false);
  ~CarrierIo() override;

  // Sends from now on on a thread of its own (once; after dropping the
  // privileges, which are per thread: io/privileges.h).
  void start_send_thread() { pipeline_->start(); }
  bool send_thread() const { return pipeline_->threaded(); }
  // Waits until everything flushed so far has been sent (with the thread;
  // without it flush() already sent it).
  void drain() { pipeline_->drain(); }
  io::SendPipelineStats pipeline_stats() const { return pipeline_->stats(); }

  core::Carrier carrier() const { return carrier_; }
  // Every socket fd, for the event loop.
  std::vector<int> fds() const;

  // Receives one batch from fd and hands each packet to `sink`:
  //   ip:  sink(std::nullopt, 0, whole IP packet)
  //   udp: sink(sender address, sender's UDP port, UDP payload)
  // A sink taking only (address, packet) is served too (the customer
  // endpoint talks to one AIN at its fixed port and needs no port).
  // Returns the number of packets (0 = nothing was waiting).
  template <typename Sink>
  size_t receive(int fd, Sink&& sink);
  // Whether the last receive() found the socket empty before its batch was
  // full: then another receive() now could only say EAGAIN (a wasted
  // system call per wake-up at low rates); epoll reports what comes later.
  bool drained() const { return drained_; }

  // Effects::send_packet: queue for the next flush(). udp: to dst's learned
  // port (learn_peer_port), else to udp_port.
  void queue(const wire::IpAddress& dst, ByteSpan packet);
  // udp carrier: queue to an explicit port (IKE on udp_port answers the
  // port a message came from, RFC 7296 §2.11). False on the ip carrier.
  bool queue_to(const wire::IpAddress& dst, uint16_t port, ByteSpan packet);

  // udp carrier, NAT traversal (RFC 3948 §3): `addr` sent a packet that one of
  // our SAs authenticated from UDP port `port`. Call it ONLY for
  // authenticated packets (RFC 7296 §2.23: a forged packet must never move a
  // peer's mapping). ip carrier / port 0: nothing. Bounded by
  // set_peer_capacity (the number of peers that can authenticate).
  void learn_peer_port(const wire::IpAddress& addr, uint16_t port) {
    if (carrier_ == core::Carrier::udp) peer_ports_.learn(addr, port);
  }
  void set_peer_capacity(size_t n) { peer_ports_.set_capacity(n); }
  // Where a udp-carrier packet for `addr` goes now.
  uint16_t peer_port(const wire::IpAddress& addr) const { return peer_ports_.port_of(addr); }
  const PeerPortTable& peer_ports() const { return peer_ports_; }
  // Sends everything queued. Failures are counted, never fatal.
  void flush();

  // A snapshot (the send counters may be moving on the send thread).
  CarrierCounters counters() const;
  // udp carrier: whether every socket receives with GRO / sends with GSO.
  bool gro() const;
  bool gso() const;
  // The last send/receive error (for rate-limited logging), cleared on read.
  std::optional<io::SysError> take_error();

 private:
  struct Endpoint {
    int family = 0;
    uint8_t protocol = 0;  // ip carrier only
    std::optional<io::RawIpSocket> raw;
    std::optional<io::UdpSocket> udp;
    bool sends = false;              // false for raw sockets that only receive
    bool gso_at_open = false;        // udp: GSO was on when opened
    io::PacketBatch* out = nullptr;  // the batch being filled (from pipeline_), if any
    int fd() const { return raw ? raw->fd() : udp->fd(); }
  };
  // Written only by the sending side (one thread at a time: the send thread,
  // or the caller's without it), read by any: relaxed atomics, added to by
  // load + store (one writer, so no locked instruction per batch).
  struct SendCounters {
    std::atomic<uint64_t> sent{0}, send_dropped{0}, bytes_sent{0}, gso_refused{0}, gso_sends{0};
  };
  static void add(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  CarrierIo() = default;
  Endpoint* find(int fd);
  // Hands the endpoint's batch to the pipeline (sent now or by the thread).
  void submit(size_t index);
  // io::BatchSender: the send system call for endpoints_[target].
  void send_batch(uint32_t target, io::PacketBatch& batch) override;
  void note(const io::SysError& e);

  core::Carrier carrier_ = core::Carrier::ip;
  uint16_t udp_port_ = 4500;
  PeerPortTable peer_ports_;
  std::vector<Endpoint> endpoints_;
  static constexpr size_t kGroSlots = 32;
  io::PacketBatch in_;
  CarrierCounters counters_;  // receive side and queue-time drops (caller's thread only)
  SendCounters sent_;
  std::atomic<uint32_t> gso_refused_mask_{0};  // bit i: endpoints_[i] turned GSO off
  std::atomic<bool> has_error_{false};
  std::mutex error_mutex_;  // error path only
  std::optional<io::SysError> last_error_;
  bool drained_ = false;
  // Last: destroyed first, so its thread drains and joins while the sockets
  // it sends on still exist.
  std::unique_ptr<io::SendPipeline> pipeline_;
};

template <typename Sink>
size_t CarrierIo::receive(int fd, Sink&& sink) {
  drained_ = true;
  Endpoint* e = find(fd);
  if (!e) return 0;
  auto r = e->raw ? e->raw->recv(in_) : e->udp->recv(in_);
  if (!r) {
    note(r.error());
    return 0;
  }
  drained_ = r->drained;
  counters_.recv_dropped += r->dropped;
  counters_.received += r->done;
  counters_.bytes_received += r->bytes;
  counters_.gro_buffers += r->coalesced;
  constexpr bool kWantsPort =
      std::is_invocable_v<Sink&, const std::optional<wire::IpAddress>&, uint16_t, ByteSpan>;
  auto deliver = [&](const std::optional<wire::IpAddress>& src, uint16_t port, ByteSpan pkt) {
    if constexpr (kWantsPort)
      sink(src, port, pkt);
    else
      sink(src, pkt);
  };
  size_t delivered = 0;
  for (size_t i = 0; i < in_.size(); ++i) {
    const size_t segments = io::segment_count(in_.packet(i).size(), in_.segment_size(i));
    if (e->raw) {
      deliver(std::optional<wire::IpAddress>{}, 0, in_.packet(i));
    } else {
      auto src = wire::IpAddress::from_bytes(in_.peer(i).ip_bytes());
      if (!src) {
        counters_.recv_dropped += segments;
        continue;
      }
      // A GRO buffer: its datagrams, as spans into the buffer (no copy).
      const std::optional<wire::IpAddress> from{*src};
      const ByteSpan buf = in_.packet(i);
      for (size_t k = 0; k < segments; ++k)
        deliver(from, in_.peer(i).port(), io::segment_at(buf, in_.segment_size(i), k));
    }
    delivered += segments;
  }
  return delivered;
}

}  // namespace ainet::daemon
