// MetricsHttpServer: serves GET /metrics (Prometheus text exposition format)
// for aind and ain-endpoint, with libmicrohttpd doing all of HTTP.
//
// Threads: libmicrohttpd runs one internal thread that owns every HTTP
// connection (parsing, timeouts, slow or malicious clients). It never touches
// the daemon's state: for a scrape it asks the event loop through an eventfd,
// and the loop renders the text between two of its ordinary events (the
// engine stays single-threaded), then hands it back under a mutex. So a bad
// client can only delay or fail its own scrape, never the packet loop:
//   - at most kMaxConnections connections (kMaxPerIp per address), each with
//     kConnectionMemory bytes for its request (longer headers get 431/close),
//     closed after kIdleTimeoutS seconds idle;
//   - only GET and HEAD of /metrics (anything else: 404 or 405), no body read;
//   - a loop that does not answer within `render_timeout` gives 503.
//
// Binding is separate from starting: aind binds before it drops its
// privileges (a port below 1024 needs CAP_NET_BIND_SERVICE) and starts the
// thread afterwards (capabilities are per thread; io/privileges.h).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "io/event_loop.h"
#include "io/socket_address.h"
#include "io/sys_result.h"
#include "io/unique_fd.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace ainet::io {

class MetricsHttpServer {
 public:
  static constexpr unsigned kMaxConnections = 8;
  static constexpr unsigned kMaxPerIp = 4;
  static constexpr size_t kConnectionMemory = 16 * 1024;
  static constexpr unsigned kIdleTimeoutS = 5;
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Returns the exposition text; called on the event loop's thread.
  using Render = std::function<std::string()>;

  // Binds and listens on `addr` (TCP; port 0 picks a free one).
  static SysResult<std::unique_ptr<MetricsHttpServer>> bind(const SocketAddress& addr);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Where it listens (the real port when bound to port 0).
  const SocketAddress& address() const { return address_; }

  // Starts the HTTP thread; scrapes are rendered by `render` on `loop`.
  SysStatus start(EventLoop& loop, Render render, int render_timeout_ms = 2000);

  // Scrapes answered (200), and refused or failed ones, for tests and logs.
  uint64_t served() const;
  uint64_t refused() const;

 private:
  friend struct MhdCallbacks;  // libmicrohttpd's callbacks (metrics_http_server.cc)
  MetricsHttpServer() = default;
  // The HTTP thread: the text for one scrape, or nothing when the loop did
  // not render it in time (or the server stops).
  bool fetch(std::string& body);
  // The loop's side: render and publish.
  void on_render_request();

  UniqueFd listen_;
  SocketAddress address_;
  UniqueFd wake_;  // eventfd: HTTP thread -> loop
  EventLoop* loop_ = nullptr;
  Render render_;
  int render_timeout_ms_ = 2000;
  MHD_Daemon* mhd_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ = 0;  // scrapes asked for (generation)
  uint64_t rendered_ = 0;   // the generation `text_` answers
  std::string text_;
  bool stopping_ = false;
  uint64_t served_ = 0, refused_ = 0;
};

}  // namespace ainet::io
