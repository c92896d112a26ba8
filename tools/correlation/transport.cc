// The TCP-like transport of bench/correlation (see transport.h).
#include "transport.h"

#include <algorithm>
#include <cmath>

namespace ainet::corr {

namespace {
constexpr uint64_t kRwnd = 4u << 20;
constexpr Duration kMinRto = Duration::ms(200);
constexpr Duration kMaxRto = Duration::s(60);
constexpr Duration kDelAck = Duration::ms(40);
constexpr double kMssD = static_cast<double>(kMss);
// RFC 9438 §4.
constexpr double kCubicC = 0.4, kCubicBeta = 0.7;
constexpr double kRenoAlpha = 3 * (1 - kCubicBeta) / (1 + kCubicBeta);
constexpr int kDupThresh = 3;  // RFC 5681 / RFC 6675 DupThresh
}  // namespace

void encode_segment(const Segment& s, MutByteSpan out) {
  store_be32(&out[0], s.flow);
  out[4] = s.kind;
  out[5] = s.sacks;
  store_be16(&out[6], s.len);
  store_be32(&out[8], s.seq);
  store_be32(&out[12], s.ack);
  store_be32(&out[16], s.ts);
  store_be32(&out[20], s.tsecr);
  store_be32(&out[24], s.pkt);
  for (int i = 0; i < Segment::kMaxSack; ++i) {
    store_be32(&out[28 + 8 * i], s.sack[i][0]);
    store_be32(&out[32 + 8 * i], s.sack[i][1]);
  }
}

bool decode_segment(ByteSpan in, Segment* s) {
  if (in.size() < kSegmentHeader) return false;
  s->flow = load_be32(&in[0]);
  s->kind = in[4];
  s->sacks = in[5];
  s->len = load_be16(&in[6]);
  s->seq = load_be32(&in[8]);
  s->ack = load_be32(&in[12]);
  s->ts = load_be32(&in[16]);
  s->tsecr = load_be32(&in[20]);
  s->pkt = load_be32(&in[24]);
  for (int i = 0; i < Segment::kMaxSack; ++i) {
    s->sack[i][0] = load_be32(&in[28 + 8 * i]);
    s->sack[i][1] = load_be32(&in[32 + 8 * i]);
  }
  return s->kind >= Segment::syn && s->kind <= Segment::data && s->sacks <= Segment::kMaxSack &&
         in.size() >= kSegmentHeader + s->len;
}

void Conn::add_range(Ranges& r, uint64_t start, uint64_t end) {
  if (start >= end) return;
  auto it = r.upper_bound(start);
  if (it != r.begin() && std::prev(it)->second >= start) {
    --it;
    start = it->first;
    end = std::max(end, it->second);
    it = r.erase(it);
  }
  while (it != r.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = r.erase(it);
  }
  r.emplace(start, end);
}

void Conn::connect(Time now) {
  client_ = true;
  send(now, Segment::syn, 0, 0);
  arm_rto(now);
}

void Conn::write(Time now, uint64_t bytes) {
  app_end_ += bytes;
  if (established_) push(now);
}

void Conn::send(Time now, Segment::Kind kind, uint64_t seq, uint64_t len) {
  Segment s;
  s.flow = flow_;
  s.kind = kind;
  s.len = static_cast<uint16_t>(len);
  s.seq = static_cast<uint32_t>(seq);
  s.ack = static_cast<uint32_t>(rcv_nxt_);
  s.ts = stamp(now);
  s.tsecr = ts_recent_;
  s.pkt = pkt_++;
  for (const auto& [a, b] : ooo_) {
    if (s.sacks == Segment::kMaxSack) break;
    s.sack[s.sacks][0] = static_cast<uint32_t>(a);
    s.sack[s.sacks][1] = static_cast<uint32_t>(b);
    ++s.sacks;
  }
  // Every segment carries the cumulative ACK: a pending delayed ACK rides along.
  unacked_ = 0;
  delack_at_ = Time::max();
  ++stats_.segments;
  if (len > 0) last_send_ = now;
  emit_(now, s);
}

uint64_t Conn::pipe() const {
  if (!in_recovery_) return snd_nxt_ - snd_una_;
  // Sent beyond the highest SACKed byte: still in flight. Below it, holes
  // are lost (left the network) unless retransmitted in this recovery.
  uint64_t p = snd_max_ - std::max(high_sacked_, snd_una_);
  if (high_rxt_ > snd_una_) {
    uint64_t sacked = 0;
    for (const auto& [a, b] : sacked_) {
      if (a >= high_rxt_) break;
      sacked += std::min(b, high_rxt_) - a;
    }
    p += high_rxt_ - snd_una_ - std::min(sacked, high_rxt_ - snd_una_);
  }
  return p;
}

bool Conn::next_hole(uint64_t from, uint64_t* start, uint64_t* end) const {
  uint64_t pos = std::max(from, snd_una_);
  for (auto it = sacked_.begin(); it != sacked_.end() && pos < high_sacked_; ++it) {
    if (it->second <= pos) continue;
    if (it->first > pos) {
      *start = pos;
      *end = it->first;
      return true;
    }
    pos = it->second;
  }
  return false;
}

void Conn::push(Time now) {
  // RFC 5681 §4.1 (and Linux's tcp_slow_start_after_idle): after an idle
  // period longer than the RTO, restart from the initial window instead of
  // sending a stale window as one burst.
  if (snd_nxt_ < app_end_ && snd_max_ == snd_una_ && now - last_send_ > rto_)
    cwnd_ = std::min(cwnd_, 10 * kMssD);
  const double wnd = std::min(cwnd_, static_cast<double>(kRwnd));
  for (;;) {
    const uint64_t inflight = pipe();
    if (inflight > 0 && static_cast<double>(inflight) + kMssD > wnd + 0.5) break;
    uint64_t hs = 0, he = 0;
    if (in_recovery_ && next_hole(high_rxt_, &hs, &he)) {
      // RFC 6675 §5 NextSeg rule 1: the first lost, not yet retransmitted hole.
      const uint64_t len = std::min<uint64_t>(kMss, he - hs);
      ++stats_.retransmits;
      send(now, Segment::data, hs, len);
      high_rxt_ = hs + len;
      continue;
    }
    if (snd_nxt_ >= app_end_) break;
    const uint64_t len = std::min<uint64_t>(kMss, app_end_ - snd_nxt_);
    if (snd_nxt_ < snd_max_) ++stats_.retransmits;  // go-back-N after a timeout
    send(now, Segment::data, snd_nxt_, len);
    snd_nxt_ += len;
    snd_max_ = std::max(snd_max_, snd_nxt_);
  }
  // RFC 6298 §5.1: the timer runs while data is outstanding.
  if (snd_max_ > snd_una_ && rto_at_ == Time::max()) arm_rto(now);
}

void Conn::on_segment(Time now, const Segment& s) {
  if (s.kind == Segment::syn) {
    if (client_) return;
    ts_recent_ = s.ts;
    const bool first = !established_;
    established_ = true;
    send(now, Segment::synack, 0, 0);  // also answers a retransmitted SYN
    if (first && on_established) on_established(now);
    return;
  }
  if (s.kind == Segment::synack) {
    if (!client_ || established_) return;
    established_ = true;
    ts_recent_ = s.ts;
    rtt_sample(now, s.tsecr);
    rto_at_ = Time::max();
    if (on_established) on_established(now);
    if (app_end_ == 0) send_ack(now);  // completes the handshake
    push(now);
    return;
  }
  if (!established_) return;
  on_ack(now, s);
  if (s.len > 0) on_data(now, s);
}

void Conn::rtt_sample(Time now, uint32_t tsecr) {
  if (tsecr == 0) return;
  const uint32_t now_us = static_cast<uint32_t>(now.ns / 1000);
  const double r = static_cast<double>(static_cast<uint32_t>(now_us - tsecr)) * 1e-6;
  if (r <= 0 || r > 60) return;
  // RFC 6298 §2: alpha 1/8, beta 1/4; RTO = SRTT + max(4 RTTVAR, 200 ms),
  // the variance term floored as Linux does (tcp_rto_min), so a queue
  // building up during recovery does not fire a spurious timeout.
  if (srtt_ == 0) {
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    rttvar_ = 0.75 * rttvar_ + 0.25 * std::fabs(srtt_ - r);
    srtt_ = 0.875 * srtt_ + 0.125 * r;
  }
  const double var = std::max(4 * rttvar_, static_cast<double>(kMinRto.ns) * 1e-9);
  rto_ = std::min(Duration{static_cast<int64_t>((srtt_ + var) * 1e9)}, kMaxRto);
}

void Conn::on_loss(Time /*now*/) {
  // RFC 9438 §4.6 multiplicative decrease, §4.7 fast convergence.
  const double w = cwnd_ / kMssD;
  w_max_ = (w < w_max_) ? w * (1 + kCubicBeta) / 2 : w;
  ssthresh_ = std::max(cwnd_ * kCubicBeta, 2 * kMssD);
  epoch_valid_ = false;
}

void Conn::grow(Time now, uint64_t acked) {
  if (cwnd_ < ssthresh_) {  // slow start, RFC 3465 with L = 2
    cwnd_ += static_cast<double>(std::min<uint64_t>(acked, 2 * kMss));
    return;
  }
  const double w = cwnd_ / kMssD;
  if (!epoch_valid_) {  // RFC 9438 §4.2: a new congestion-avoidance epoch
    epoch_valid_ = true;
    epoch_ = now;
    k_ = w_max_ > w ? std::cbrt((w_max_ - w) / kCubicC) : 0.0;
    if (w_max_ < w) w_max_ = w;
    w_est_ = w;
  }
  const double t = static_cast<double>((now - epoch_).ns) * 1e-9 + srtt_;
  double target = kCubicC * (t - k_) * (t - k_) * (t - k_) + w_max_;
  target = std::clamp(target, w, 1.5 * w);
  const double segs = static_cast<double>(acked) / kMssD;
  w_est_ += kRenoAlpha * segs / w;  // §4.3 Reno-friendly region
  if (w_est_ > target) target = w_est_;
  cwnd_ += (target - w) / w * segs * kMssD;
}

void Conn::on_ack(Time now, const Segment& s) {
  // The 32-bit ACK names the byte offset modulo 2^32; a run moves far less
  // than 4 GB each way, so it is the offset itself.
  const uint64_t ack = s.ack;
  const bool pure = s.len == 0;
  for (int i = 0; i < s.sacks; ++i) {
    const uint64_t a = std::max<uint64_t>(s.sack[i][0], snd_una_),
                   b = std::min<uint64_t>(s.sack[i][1], snd_max_);
    if (a < b) {
      add_range(sacked_, a, b);
      high_sacked_ = std::max(high_sacked_, b);
    }
  }
  if (ack > snd_una_ && ack <= snd_max_) {
    const uint64_t acked = ack - snd_una_;
    snd_una_ = ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    while (!sacked_.empty() && sacked_.begin()->second <= snd_una_) sacked_.erase(sacked_.begin());
    if (!sacked_.empty() && sacked_.begin()->first < snd_una_) {
      const uint64_t e = sacked_.begin()->second;
      sacked_.erase(sacked_.begin());
      sacked_.emplace(snd_una_, e);
    }
    rtt_sample(now, s.tsecr);
    if (in_recovery_) {
      if (ack >= recover_) {  // RFC 6675 §5: recovery ends at the recovery point
        in_recovery_ = false;
        cwnd_ = ssthresh_;
      }
    } else {
      grow(now, acked);
    }
    dupacks_ = 0;
    // RFC 6298 §5.2/5.3: stop when everything is acknowledged, else restart.
    rto_at_ = Time::max();
    if (snd_max_ > snd_una_) arm_rto(now);
  } else if (ack == snd_una_ && pure && snd_max_ > snd_una_) {
    ++dupacks_;
  }
  uint64_t sacked_bytes = 0;
  for (const auto& [a, b] : sacked_) sacked_bytes += b - a;
  // RFC 6675 §5: enter recovery on DupThresh duplicates or as many SACKed
  // segments; not again for losses of the window a timeout already handled.
  if (!in_recovery_ && snd_max_ > snd_una_ && snd_una_ >= recover_ &&
      (dupacks_ >= kDupThresh || sacked_bytes >= kDupThresh * kMss)) {
    ++stats_.recoveries;
    on_loss(now);
    cwnd_ = ssthresh_;
    recover_ = snd_max_;
    high_rxt_ = snd_una_;
    in_recovery_ = true;
  }
  push(now);
}

void Conn::on_data(Time now, const Segment& s) {
  const uint64_t seq = s.seq, end = seq + s.len;
  if (end <= rcv_nxt_) {  // old data: the ACK for it was lost
    send_ack(now);
    return;
  }
  if (seq > rcv_nxt_) {  // a hole before it: keep it, say so at once
    add_range(ooo_, seq, end);
    send_ack(now);
    return;
  }
  // RFC 7323 §4.3: echo the timestamp of the oldest segment not yet acknowledged.
  if (unacked_ == 0) ts_recent_ = s.ts;
  const bool filled_hole = !ooo_.empty();
  rcv_nxt_ = end;
  while (!ooo_.empty() && ooo_.begin()->first <= rcv_nxt_) {
    rcv_nxt_ = std::max(rcv_nxt_, ooo_.begin()->second);
    ooo_.erase(ooo_.begin());
  }
  if (on_receive) on_receive(now, rcv_nxt_);
  if (filled_hole || ++unacked_ >= 2) {
    send_ack(now);
  } else {
    arm_delack(now);
  }
}

void Conn::arm_rto(Time now) {
  rto_at_ = now + rto_;
  if (rto_pending_ > rto_at_) schedule_rto(rto_at_);  // else the pending one re-arms
}

void Conn::schedule_rto(Time at) {
  rto_pending_ = at;
  sched_.at(at, [this, at](Time t) {
    if (at == rto_pending_) on_rto(t);  // else superseded by an earlier one
  });
}

void Conn::on_rto(Time now) {
  rto_pending_ = Time::max();
  if (rto_at_ == Time::max()) return;
  if (now < rto_at_) {  // restarted since: wait for the new deadline
    schedule_rto(rto_at_);
    return;
  }
  rto_at_ = Time::max();
  rto_ = std::min(Duration{rto_.ns * 2}, kMaxRto);  // RFC 6298 §5.5 back-off
  ++stats_.timeouts;
  if (!established_) {  // SYN lost
    if (client_) {
      send(now, Segment::syn, 0, 0);
      arm_rto(now);
    }
    return;
  }
  if (snd_max_ == snd_una_) return;
  // RFC 5681 §3.1 / RFC 9438 §4.8: loss window, then go back to the first
  // unacknowledged byte; the receiver kept what it got out of order, so its
  // cumulative ACK jumps over that and only the holes are sent again.
  on_loss(now);
  cwnd_ = kMssD;
  recover_ = snd_max_;
  in_recovery_ = false;
  sacked_.clear();
  high_sacked_ = 0;
  dupacks_ = 0;
  snd_nxt_ = snd_una_;
  push(now);
}

void Conn::arm_delack(Time now) {
  delack_at_ = now + kDelAck;
  if (delack_pending_ > delack_at_) schedule_delack(delack_at_);
}

void Conn::schedule_delack(Time at) {
  delack_pending_ = at;
  sched_.at(at, [this, at](Time t) {
    if (at == delack_pending_) on_delack(t);
  });
}

void Conn::on_delack(Time now) {
  delack_pending_ = Time::max();
  if (delack_at_ == Time::max()) return;
  if (now < delack_at_) {
    schedule_delack(delack_at_);
    return;
  }
  send_ack(now);
}

}  // namespace ainet::corr
