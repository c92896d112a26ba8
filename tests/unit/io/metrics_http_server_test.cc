// MetricsHttpServer: GET /metrics answers with text rendered on the event
// loop's thread, fresh for every scrape; everything else is refused; bad
// clients (idle connections, oversized headers, requests while the loop does
// not answer) get bounded treatment and never block the loop or other scrapes.
#include "io/metrics_http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "io/clock.h"

namespace ainet::io {
namespace {

// A TCP connection from `source` (127.0.0.x) to the server.
int connect_to(const SocketAddress& server, const char* source = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &src.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, server.sa(), server.length()) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes (or 5 s pass).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (int i = 0; i < 500; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string request(const SocketAddress& server, const std::string& text,
                    const char* source = "127.0.0.1") {
  const int fd = connect_to(server, source);
  if (fd < 0) return "connect failed";
  if (::send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    return "send failed";
  }
  std::string r = read_all(fd);
  ::close(fd);
  return r;
}

std::string get(const SocketAddress& s, const std::string& path = "/metrics",
                const char* method = "GET") {
  return request(
      s, std::string(method) + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

std::string body_of(const std::string& response) {
  const size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l);
    loop = std::move(l).value();
    auto s = MetricsHttpServer::bind(*SocketAddress::parse("127.0.0.1", 0));
    ASSERT_TRUE(s) << s.error().message();
    server = std::move(s).value();
    ASSERT_NE(server->address().port(), 0);
  }
  void start(int timeout_ms = 2000) {
    loop_thread = std::this_thread::get_id();
    ASSERT_TRUE(server->start(
        *loop,
        [this] {
          if (std::this_thread::get_id() != loop_thread) wrong_thread = true;
          return "# HELP t_total test\n# TYPE t_total counter\nt_total " +
                 std::to_string(++renders) + "\n";
        },
        timeout_ms));
  }
  // Runs the loop until `f` (on another thread) is done; returns its result.
  template <typename F>
  auto while_looping(F f) {
    auto fut = std::async(std::launch::async, f);
    for (int i = 0; i < 2000 && fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
         ++i) {
      auto r = loop->run_once(10);
      EXPECT_TRUE(r);
    }
    return fut.get();
  }

  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<MetricsHttpServer> server;
  std::thread::id loop_thread;
  std::atomic<int> renders{0};
  std::atomic<bool> wrong_thread{false};
};

TEST_F(MetricsHttpServerTest, EveryScrapeIsRenderedFreshOnTheLoopThread) {
  start();
  const std::string r1 = while_looping([&] { return get(server->address()); });
  EXPECT_EQ(r1.rfind("HTTP/1.1 200", 0), 0u) << r1;
  EXPECT_NE(r1.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos)
      << r1;
  EXPECT_EQ(body_of(r1), "# HELP t_total test\n# TYPE t_total counter\nt_total 1\n");
  const std::string r2 = while_looping([&] { return get(server->address()); });
  EXPECT_EQ(body_of(r2), "# HELP t_total test\n# TYPE t_total counter\nt_total 2\n");
  const std::string head =
      while_looping([&] { return get(server->address(), "/metrics", "HEAD"); });
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_EQ(body_of(head), "");
  EXPECT_FALSE(wrong_thread);
  EXPECT_EQ(server->served(), 3u);
}

TEST_F(MetricsHttpServerTest, OtherPathsAndMethodsAreRefused) {
  start();
  const std::string nf = while_looping([&] { return get(server->address(), "/"); });
  EXPECT_EQ(nf.rfind("HTTP/1.1 404", 0), 0u) << nf;
  const std::string post = while_looping([&] {
    return request(
        server->address(),
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  });
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos) << post;
  const std::string junk =
      while_looping([&] { return request(server->address(), "\x01\x02 garbage\r\n\r\n"); });
  EXPECT_EQ(junk.rfind("HTTP/1.1 400", 0), 0u) << junk;
  EXPECT_EQ(renders, 0);  // none of them reached the loop
  EXPECT_EQ(server->served(), 0u);
}

// A loop that does not answer (busy, or not running) costs the scrape a 503
// after the render timeout, nothing else.
TEST_F(MetricsHttpServerTest, ALoopThatDoesNotAnswerGives503) {
  start(300);
  const auto t0 = monotonic_now();
  const std::string r = get(server->address());  // the loop is not run here
  EXPECT_EQ(r.rfind("HTTP/1.1 503", 0), 0u) << r;
  EXPECT_LT((monotonic_now() - t0).ns, Duration::s(3).ns);
  // The loop catches up later and the next scrape works.
  const std::string ok = while_looping([&] { return get(server->address()); });
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
}

// Idle connections and an oversized request from one address neither stop a
// scrape from another address nor the loop; the idle ones are closed after
// the idle timeout.
TEST_F(MetricsHttpServerTest, BadClientsAreBoundedAndDoNotBlockScrapes) {
  start();
  std::vector<int> idle;
  for (unsigned i = 0; i < MetricsHttpServer::kMaxPerIp + 2; ++i)
    idle.push_back(connect_to(server->address(), "127.0.0.2"));
  for (int fd : idle) ASSERT_GE(fd, 0);
  // Half a request, then nothing.
  ASSERT_GT(::send(idle[0], "GET /metr", 9, MSG_NOSIGNAL), 0);
  // Headers larger than the per-connection memory.
  std::string huge =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string big =
      while_looping([&] { return request(server->address(), huge, "127.0.0.3"); });
  EXPECT_EQ(big.find("HTTP/1.1 200"), std::string::npos) << big.substr(0, 200);

  const auto t0 = monotonic_now();
  const std::string ok = while_looping([&] { return get(server->address()); });
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_LT((monotonic_now() - t0).ns, Duration::s(2).ns);

  // The server closes the idle connections after its idle timeout.
  const int closed = while_looping([&] {
    int n = 0;
    for (int fd : idle) {
      char c;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, (MetricsHttpServer::kIdleTimeoutS + 3) * 1000) > 0 &&
          ::recv(fd, &c, 1, 0) <= 0)
        ++n;
    }
    return n;
  });
  // Connections over the per-address limit may have been closed at once;
  // either way every one of them is closed now.
  EXPECT_EQ(closed, static_cast<int>(idle.size()));
  for (int fd : idle) ::close(fd);
}

// Destroying the server while a scrape waits for the loop ends the scrape.
TEST_F(MetricsHttpServerTest, StopsWithAScrapeInFlight) {
  start(10000);
  auto pending = std::async(std::launch::async, [addr = server->address()] { return get(addr); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = monotonic_now();
  server.reset();
  EXPECT_LT((monotonic_now() - t0).ns, Duration::s(5).ns);
  const std::string r = pending.get();
  EXPECT_EQ(r.find("HTTP/1.1 200"), std::string::npos);
}

TEST(MetricsHttpServer, BindFailsOnAPortInUse) {
  auto a = MetricsHttpServer::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(a);
  auto b = MetricsHttpServer::bind((*a)->address());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, EADDRINUSE);
  EXPECT_NE(b.error().message().find("bind metrics 127.0.0.1:"), std::string::npos)
      << b.error().message();
}

}  // namespace
}  // namespace ainet::io
