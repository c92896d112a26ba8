// "Nothing on the data path allocates": once an ANT is up, a datagram's
// whole trip (customer -> entrance -> relay -> exit -> TUN, and the reply
// back) makes no heap allocation in the engine, C++ or OpenSSL.
//
// support/allocation_counter.h replaces the global operator new for the
// unit_core_tests binary (counting only while a measured call runs) and
// hooks OpenSSL's allocator.
// C++ allocations must be zero. OpenSSL 3's HMAC (EVP_MAC_init/final on a
// keyed context) allocates a constant 2 blocks per MAC inside libcrypto
// (EVP_MD_CTX_copy_ex), as tests/unit/crypto/no_alloc_test.cc documents; so
// OpenSSL allocations are bounded by 2 per AH/HMAC operation of each step.
#include <openssl/crypto.h>
#include <gtest/gtest.h>

#include <array>

#include "engine_test_net.h"
#include "support/allocation_counter.h"

namespace ainet::core {
namespace {

using testnet::addr;
using testnet::Net;
using testnet::udp_datagram;

// Effects that keep the last output in fixed storage (no allocation).
class CaptureEffects : public Effects {
 public:
  void send_packet(const IpAddress& dst, ByteSpan p) override { keep(p), to = dst, ++sends; }
  void deliver_local(ByteSpan d) override { keep(d), ++locals; }
  ByteSpan last() const { return ByteSpan(buf.data(), len); }
  Bytes copy() const { return Bytes(buf.begin(), buf.begin() + static_cast<long>(len)); }
  std::array<uint8_t, 4096> buf{};
  size_t len = 0;
  IpAddress to;
  int sends = 0, locals = 0;

 private:
  void keep(ByteSpan p) {
    len = std::min(p.size(), buf.size());
    std::memcpy(buf.data(), p.data(), len);
  }
};

using ainet::test::allocations_during;

TEST(EngineNoAlloc, CountersAreLive) {
  EXPECT_GT(allocations_during([] { ::operator delete(::operator new(16)); }).cxx, 0);
  ASSERT_TRUE(ainet::test::openssl_allocations_counted()) << "OpenSSL allocated before the hook was installed";
  EXPECT_GT(allocations_during([] { OPENSSL_free(OPENSSL_malloc(8)); }).openssl, 0);
}

// hmacs: HMAC computations the step does (AH/ESP-NULL open or seal each one).
void expect_no_alloc(const ainet::test::Allocations& a, int hmacs, const char* step) {
  EXPECT_EQ(a.cxx, 0) << step;
  EXPECT_LE(a.openssl, 2 * hmacs) << step;
}

TEST(EngineNoAlloc, DataPathBothWaysOnceTheAntIsUp) {
  Net net(3);
  const IpAddress src = addr("192.168.1.5"), dst = addr("198.51.100.7");
  net.customer_send(udp_datagram(src, dst, Bytes(100, 1)), 4);
  net.run();
  ASSERT_EQ(net.fx_of(3).local.size(), 1u);
  const IpAddress pool_src = wire::parse_ip_packet(net.fx_of(3).local[0])->src;

  // Hold the next customer packet instead of delivering it.
  net.customer_send(udp_datagram(src, dst, Bytes(100, 2)), 4);
  ASSERT_EQ(net.wire.size(), 1u);
  const Bytes from_customer = net.wire.front().bytes;
  net.wire.clear();
  const Bytes reply = udp_datagram(dst, pool_src, Bytes(80, 3));

  CaptureEffects fx;
  Bytes p;
  // Entrance: customer tunnel in, onion wrap, TVT out.
  expect_no_alloc(allocations_during([&] { net.ain(1).handle_packet(net.now, from_customer, fx); }), 2,
                  "entrance forward");
  ASSERT_EQ(fx.sends, 1);
  p = fx.copy();
  // Relay forward.
  expect_no_alloc(allocations_during([&] { net.ain(2).handle_packet(net.now, p, fx); }), 2, "relay forward");
  ASSERT_EQ(fx.sends, 2);
  p = fx.copy();
  // Exit: open, rewrite, deliver locally.
  expect_no_alloc(allocations_during([&] { net.ain(3).handle_packet(net.now, p, fx); }), 1, "exit");
  ASSERT_EQ(fx.locals, 1);
  // Reply from the TUN, backward through the relay, entrance to customer.
  expect_no_alloc(allocations_during([&] { net.ain(3).handle_local(net.now, reply, fx); }), 1, "exit reply");
  ASSERT_EQ(fx.sends, 3);
  p = fx.copy();
  expect_no_alloc(allocations_during([&] { net.ain(2).handle_packet(net.now, p, fx); }), 2, "relay backward");
  ASSERT_EQ(fx.sends, 4);
  p = fx.copy();
  expect_no_alloc(allocations_during([&] { net.ain(1).handle_packet(net.now, p, fx); }), 2, "entrance backward");
  ASSERT_EQ(fx.sends, 5);
  EXPECT_EQ(fx.to, net.customer().address);
  // Dropping bad input does not allocate either, except that an SA's first
  // drop makes its per-reason drop counters, once (security_association.h:
  // most SAs never drop, so they do not carry the table).
  p[p.size() - 5] ^= 1;
  const auto first_drop = allocations_during([&] { net.ain(1).handle_packet(net.now, p, fx); });
  EXPECT_LE(first_drop.cxx, 1) << "first drop: at most the SA's counter table";
  expect_no_alloc(allocations_during([&] { net.ain(1).handle_packet(net.now, p, fx); }), 1, "bad packet");
  EXPECT_EQ(fx.sends, 5);
}

}  // namespace
}  // namespace ainet::core
