// "Nothing on the packet path allocates", for the udp carrier's socket I/O:
// a GSO send of a batch of cells and the GRO receive that cuts them apart
// make no heap allocation (C++ or OpenSSL). The batches are allocated before.
#include <gtest/gtest.h>
#include <poll.h>

#include "io/udp_offload.h"
#include "io/udp_socket.h"
#include "support/allocation_counter.h"

namespace ainet::io {
namespace {

TEST(IoNoAlloc, CountersAreLive) {
  EXPECT_GT(test::allocations_during([] { ::operator delete(::operator new(16)); }).cxx, 0);
}

TEST(IoNoAlloc, UdpGsoSendAndGroReceive) {
  auto rx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  auto tx = UdpSocket::bind(SocketAddress::loopback(AF_INET, 0));
  ASSERT_TRUE(rx && tx);
  std::string why;
  rx->enable_offloads(why);
  tx->enable_offloads(why);
  const SocketAddress to = *rx->local_address();
  PacketBatch out, in(32, kGroBufferSize);
  for (int round = 0; round < 3; ++round) {  // the first round warms nothing up: all must be 0
    out.clear();
    for (size_t i = 0; i < out.capacity(); ++i) {
      MutByteSpan b = out.next_buffer();
      for (size_t k = 0; k < 1365; ++k) b[k] = static_cast<uint8_t>(i + k);
      out.commit(1365, to);
    }
    size_t sent = 0, got = 0, sum = 0;
    const test::Allocations send_allocs = test::allocations_during([&] {
      auto r = tx->send(out);
      if (r) sent = r->done;
    });
    EXPECT_EQ(sent, out.capacity());
    EXPECT_EQ(send_allocs.total(), 0) << "send, round " << round;
    pollfd p{rx->fd(), POLLIN, 0};
    while (got < sent && poll(&p, 1, 1000) == 1) {
      const test::Allocations recv_allocs = test::allocations_during([&] {
        auto r = rx->recv(in);
        if (!r) return;
        got += r->done;
        for (size_t j = 0; j < in.size(); ++j)
          for (size_t s = 0; s < segment_count(in.packet(j).size(), in.segment_size(j)); ++s)
            sum += segment_at(in.packet(j), in.segment_size(j), s)[0];
      });
      EXPECT_EQ(recv_allocs.total(), 0) << "receive, round " << round;
    }
    EXPECT_EQ(got, sent);
  }
  EXPECT_TRUE(tx->gso() || !why.empty());
}

}  // namespace
}  // namespace ainet::io
