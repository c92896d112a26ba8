#include "io/metrics_http_server.h"

#include <microhttpd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>

namespace ainet::io {

struct MhdCallbacks {
  // One call per request once its headers are in (MHD calls again for a
  // body; we answer on the first call and read none of it).
  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char* /*version*/, const char* /*upload_data*/,
                               size_t* upload_size, void** /*con_cls*/) {
    auto* self = static_cast<MetricsHttpServer*>(cls);
    if (upload_size) *upload_size = 0;  // any body is ignored
    const bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    const bool head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (std::strcmp(url, "/metrics") != 0)
      return reply(self, c, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
    if (!get && !head) {
      MHD_Response* r = text_response("only GET and HEAD\n");
      MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
      return queue(self, c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    }
    std::string body;
    if (!self->fetch(body))
      return reply(self, c, MHD_HTTP_SERVICE_UNAVAILABLE, "metrics not ready, try again\n");
    MHD_Response* r =
        MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, MetricsHttpServer::kContentType);
    return queue(self, c, MHD_HTTP_OK, r);
  }

  static MHD_Response* text_response(const char* text) {
    MHD_Response* r = MHD_create_response_from_buffer(std::strlen(text), const_cast<char*>(text),
                                                      MHD_RESPMEM_PERSISTENT);
    if (r) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  static MHD_Result reply(MetricsHttpServer* self, MHD_Connection* c, unsigned status,
                          const char* text) {
    return queue(self, c, status, text_response(text));
  }

  static MHD_Result queue(MetricsHttpServer* self, MHD_Connection* c, unsigned status,
                          MHD_Response* r) {
    if (!r) return MHD_NO;  // MHD closes the connection
    const MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    std::lock_guard lock(self->mu_);
    ++(status == MHD_HTTP_OK ? self->served_ : self->refused_);
    return rc;
  }
};

SysResult<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::bind(const SocketAddress& addr) {
  std::unique_ptr<MetricsHttpServer> s(new MetricsHttpServer());
  s->listen_.reset(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s->listen_) return sys_error("socket(tcp) for metrics");
  const int one = 1;
  if (::setsockopt(s->listen_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return sys_error("setsockopt SO_REUSEADDR");
  if (addr.is_v6() &&
      ::setsockopt(s->listen_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    return sys_error("setsockopt IPV6_V6ONLY");
  if (::bind(s->listen_.get(), addr.sa(), addr.length()) != 0)
    return sys_error("bind metrics " + addr.to_string());
  if (::listen(s->listen_.get(), 16) != 0) return sys_error("listen metrics " + addr.to_string());
  SocketAddress bound;
  socklen_t len = SocketAddress::capacity();
  if (::getsockname(s->listen_.get(), bound.sa(), &len) != 0)
    return sys_error("getsockname metrics");
  s->address_ = bound;
  return s;
}

SysStatus MetricsHttpServer::start(EventLoop& loop, Render render, int render_timeout_ms) {
  wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_) return sys_error("eventfd for metrics");
  loop_ = &loop;
  render_ = std::move(render);
  render_timeout_ms_ = render_timeout_ms;
  if (SysStatus st = loop.add(wake_.get(), EPOLLIN, [this](uint32_t) { on_render_request(); }); !st)
    return st;
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
  mhd_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &MhdCallbacks::on_request, this, MHD_OPTION_LISTEN_SOCKET,
      static_cast<MHD_socket>(listen_.get()), MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kMaxPerIp, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      kConnectionMemory, MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutS, MHD_OPTION_END);
  if (!mhd_) {
    loop.remove(wake_.get());
    return sys_error("start the metrics HTTP server on " + address_.to_string(), EINVAL);
  }
  listen_.release();  // MHD_stop_daemon closes it
  return {};
}

MetricsHttpServer::~MetricsHttpServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (mhd_) MHD_stop_daemon(mhd_);  // joins the HTTP thread
  if (loop_ && wake_) loop_->remove(wake_.get());
}

bool MetricsHttpServer::fetch(std::string& body) {
  std::unique_lock lock(mu_);
  if (stopping_) return false;
  const uint64_t want = ++requested_;
  const uint64_t one = 1;
  // The loop reads the eventfd and renders every request made so far.
  if (::write(wake_.get(), &one, sizeof one) < 0 && errno != EAGAIN) return false;
  const bool done = cv_.wait_for(lock, std::chrono::milliseconds(render_timeout_ms_),
                                 [&] { return stopping_ || rendered_ >= want; });
  if (!done || stopping_) return false;
  body = text_;
  return true;
}

void MetricsHttpServer::on_render_request() {
  uint64_t n = 0;
  while (::read(wake_.get(), &n, sizeof n) > 0) {
  }
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = requested_;
  }
  std::string text = render_();  // outside the lock: the HTTP thread never waits on rendering work
  {
    std::lock_guard lock(mu_);
    text_ = std::move(text);
    rendered_ = generation;
  }
  cv_.notify_all();
}

uint64_t MetricsHttpServer::served() const {
  std::lock_guard lock(mu_);
  return served_;
}

uint64_t MetricsHttpServer::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

}  // namespace ainet::io
