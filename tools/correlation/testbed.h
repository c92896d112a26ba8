// One run of bench/correlation: a simulated ainet (tests/sim) with a
// realistic link model, N customers each running one application flow
// (traffic.h) over the TCP-like transport (transport.h) to a server on the
// Internet behind an exit, and the attacker's view of it: sizes and times of
// packets on each customer <-> entrance link, and of the datagrams each exit
// delivers to the Internet and the replies it gets back.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "defences.h"
#include "traffic.h"
#include "util/time.h"

namespace ainet::corr {

struct BenchOptions {
  uint64_t seed = 1;
  size_t flows = 24;
  size_t ains = 8;  // half entrances, half exits
  Duration duration = Duration::s(60);
  // Flows start uniformly in [2 s, start_fraction * duration].
  double start_fraction = 0.5;
  bool verbose = false;
  DefenceParams defence;
};

// Packet counts and bytes per time bin, in each direction.
struct Series {
  enum Dir { up = 0, down = 1 };  // up: towards the server
  std::vector<uint32_t> pkts[2], bytes[2];
  size_t min_len[2] = {SIZE_MAX, SIZE_MAX}, max_len[2] = {0, 0};  // packet lengths seen
  void resize(size_t bins) {
    for (int d = 0; d < 2; ++d) {
      pkts[d].assign(bins, 0);
      bytes[d].assign(bins, 0);
    }
  }
  void add(Dir d, Time t, Duration bin, size_t len) {
    const size_t b = static_cast<size_t>(t.ns / bin.ns);
    if (b >= pkts[d].size()) return;
    pkts[d][b]++;
    bytes[d][b] += static_cast<uint32_t>(len);
    min_len[d] = std::min(min_len[d], len);
    max_len[d] = std::max(max_len[d], len);
  }
};

// What the attacker observed, plus the ground truth to score it.
struct Observation {
  Duration bin = Duration::ms(10);
  size_t bins = 0;
  std::vector<Series> entrance;    // one per customer link (one flow per customer)
  std::vector<Series> exit;        // one per exit-side flow (exit AIN, 5-tuple)
  std::vector<size_t> exit_truth;  // ground truth: the customer of each exit flow
};

struct RunResult {
  std::string missing;  // non-empty: the defence could not be configured (row not run)
  Observation obs;
  // Bytes on the wire (packets that left their sender's queue).
  uint64_t customer_wire_bytes = 0, inter_ain_wire_bytes = 0;
  uint64_t app_bytes = 0;            // stream bytes delivered in order to the applications
  std::vector<int64_t> delay_ns;     // one-way delay of each datagram through ainet
  std::vector<int64_t> response_ns;  // web/ssh/keepalive: request sent -> response complete
  uint64_t datagrams_sent = 0, datagrams_delivered = 0, retransmits = 0, timeouts = 0;
  uint64_t link_queue_drops = 0;
  size_t flows_answered = 0;  // flows whose client received any response byte
  // Whether the defences acted, counted where they act (not assumed from
  // the configuration): dummies the customers sent and received, dummy
  // cells the AINs received and dropped, and ANTs alive at the end.
  uint64_t customer_dummies_sent = 0, customer_dummies_received = 0;
  uint64_t ain_dummy_cells = 0, ain_dummy_cells_sent = 0;  // received and dropped / sent on ANTs
  uint64_t customer_shaping_drops = 0, ain_shaping_drops = 0;
  uint64_t cover_ants_built = 0;
  size_t ants_at_end = 0;  // entrance ANTs alive at the end (cover ANTs included)
  size_t kinds[kAppKinds] = {};
  double cpu_seconds = 0;
  std::vector<std::string> flow_lines;  // --verbose: one line per flow
};

RunResult run_bench(const BenchOptions& o, Defence d);

}  // namespace ainet::corr
