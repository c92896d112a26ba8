// A small TCP-like transport for bench/correlation, carried in UDP datagrams
// through the ANTs: one reliable byte stream each way, so that flows adapt to
// the bottleneck and to drops in shaping queues instead of sending open-loop.
// It follows the algorithms of a current TCP (Linux's defaults), simplified:
//   - handshake reduced to SYN / SYN-ACK (the first data or ACK completes
//     it), SYN retransmitted on timeout;
//   - cumulative ACKs, an ACK for every second segment or after 40 ms
//     (RFC 1122 §4.2.3.2 delayed ACK; 40 ms is Linux's minimum), an
//     immediate ACK for out-of-order data; up to 3 SACK blocks (RFC 2018;
//     here the three lowest ranges above the cumulative ACK);
//   - slow start with byte counting (RFC 5681, RFC 3465 L = 2), initial
//     window 10 (RFC 6928), CUBIC congestion avoidance (RFC 9438: C 0.4,
//     beta 0.7, fast convergence, Reno-friendly region), SACK-based loss
//     recovery (RFC 6675, simplified: every hole below the highest SACKed
//     byte is taken as lost, each retransmitted once per recovery);
//   - retransmission timeout from smoothed RTT (RFC 6298: 1 s initial, 60 s
//     maximum, exponential back-off; the variance term at least 200 ms as
//     in Linux), RTT from
//     echoed timestamps (RFC 7323); go-back-N after a timeout; slow start
//     again after an idle period longer than the RTO (RFC 5681 §4.1);
//   - a fixed 4 MB receive window (more than any bandwidth-delay product
//     here, as Linux's receive-buffer auto-tuning would give).
// No Nagle (interactive applications set TCP_NODELAY). No FIN: a flow lives
// until the end of the run.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "scheduler.h"
#include "util/bytes.h"

namespace ainet::corr {

// Header of every segment, at the start of the UDP payload. The attacker
// never reads it (it sees sizes and times only); the harness uses `flow` and
// `pkt` as ground truth and to measure each datagram's delay.
struct Segment {
  enum Kind : uint8_t { syn = 1, synack = 2, data = 3 };
  static constexpr int kMaxSack = 3;
  uint32_t flow = 0;
  uint8_t kind = data;
  uint8_t sacks = 0;                // SACK blocks used
  uint16_t len = 0;                 // data bytes after the header
  uint32_t seq = 0, ack = 0;        // byte offsets of the two streams
  uint32_t ts = 0, tsecr = 0;       // RFC 7323 timestamps: microseconds of virtual time
  uint32_t pkt = 0;                 // datagram counter of this direction (ground truth only)
  uint32_t sack[kMaxSack][2] = {};  // [start, end) byte ranges received above `ack`
};
constexpr size_t kSegmentHeader = 52;
// Largest data per segment: the UDP/IPv4 datagram (20 + 8 + 52 + 1280 =
// 1360 bytes) fits one 1400-byte cell (1365 bytes of datagram).
constexpr size_t kMss = 1280;

void encode_segment(const Segment& s, MutByteSpan out);  // out.size() >= kSegmentHeader
bool decode_segment(ByteSpan in, Segment* s);

struct ConnStats {
  uint64_t segments = 0, retransmits = 0, timeouts = 0, recoveries = 0;
};

class Conn {
 public:
  using Emit = std::function<void(Time, const Segment&)>;
  Conn(Scheduler& sched, uint32_t flow, Emit emit)
      : sched_(sched), flow_(flow), emit_(std::move(emit)) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void connect(Time now);                // client
  void write(Time now, uint64_t bytes);  // append to the outgoing stream
  void on_segment(Time now, const Segment& s);
  bool established() const { return established_; }
  uint64_t received() const { return rcv_nxt_; }  // in-order bytes of the incoming stream
  const ConnStats& stats() const { return stats_; }

  std::function<void(Time)> on_established;
  std::function<void(Time, uint64_t)> on_receive;  // received() grew

 private:
  using Ranges = std::map<uint64_t, uint64_t>;  // start -> end, disjoint, merged
  static void add_range(Ranges& r, uint64_t start, uint64_t end);

  void push(Time now);
  void send(Time now, Segment::Kind kind, uint64_t seq, uint64_t len);
  void send_ack(Time now) { send(now, Segment::data, snd_max_, 0); }
  void on_ack(Time now, const Segment& s);
  void on_data(Time now, const Segment& s);
  void rtt_sample(Time now, uint32_t tsecr);
  void on_loss(Time now);  // CUBIC multiplicative decrease
  void grow(Time now, uint64_t acked);
  uint64_t pipe() const;  // RFC 6675 §4 estimate of bytes in flight
  bool next_hole(uint64_t from, uint64_t* start, uint64_t* end) const;
  uint32_t stamp(Time now) const { return static_cast<uint32_t>(now.ns / 1000) | 1u; }
  // Timers are lazy: one live scheduler callback per timer (older ones see
  // they were superseded), re-armed when it fires early, so restarting the
  // RTO on every ACK costs nothing.
  void arm_rto(Time now);
  void schedule_rto(Time at);
  void arm_delack(Time now);
  void schedule_delack(Time at);
  void on_rto(Time now);
  void on_delack(Time now);

  Scheduler& sched_;
  uint32_t flow_;
  Emit emit_;
  bool established_ = false, client_ = false;
  uint32_t pkt_ = 0;
  ConnStats stats_;
  // Sender.
  uint64_t app_end_ = 0, snd_una_ = 0, snd_nxt_ = 0, snd_max_ = 0;
  double cwnd_ = 10 * kMss;  // bytes; RFC 6928 initial window
  double ssthresh_ = 1e18;
  uint64_t recover_ = 0, high_rxt_ = 0, high_sacked_ = 0;
  Ranges sacked_;
  int dupacks_ = 0;
  bool in_recovery_ = false;
  // CUBIC state (segments, seconds).
  double w_max_ = 0, k_ = 0, w_est_ = 0;
  bool epoch_valid_ = false;
  Time epoch_{};
  double srtt_ = 0, rttvar_ = 0;  // seconds
  Duration rto_ = Duration::s(1);
  Time rto_at_ = Time::max(), rto_pending_ = Time::max();
  Time last_send_{};  // last data segment (restart after idle)
  // Receiver.
  uint64_t rcv_nxt_ = 0;
  Ranges ooo_;  // received out of order
  uint32_t ts_recent_ = 0;
  int unacked_ = 0;
  Time delack_at_ = Time::max(), delack_pending_ = Time::max();
};

}  // namespace ainet::corr
