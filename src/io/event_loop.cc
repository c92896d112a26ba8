#include "io/event_loop.h"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

#include "io/clock.h"

namespace ainet::io {

namespace {
constexpr size_t kMaxReady = 64;
}

SysResult<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epoll_) return sys_error("epoll_create1");
  loop->timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!loop->timer_) return sys_error("timerfd_create");
  loop->wake_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!loop->wake_) return sys_error("eventfd");
  loop->ready_.resize(kMaxReady);

  EventLoop* self = loop.get();
  SysStatus st = loop->add(loop->timer_.get(), EPOLLIN, [self](uint32_t) {
    uint64_t expirations;
    // Reading clears the readable state; EAGAIN means a re-arm raced us.
    if (::read(self->timer_.get(), &expirations, sizeof expirations) != sizeof expirations) return;
    if (self->timer_handler_) self->timer_handler_();
  });
  if (!st) return st.err;
  st = loop->add(loop->wake_.get(), EPOLLIN, [self](uint32_t) {
    uint64_t v;
    (void)!::read(self->wake_.get(), &v, sizeof v);
  });
  if (!st) return st.err;
  loop->entries_[loop->timer_.get()]->internal = true;
  loop->entries_[loop->wake_.get()]->internal = true;
  return loop;
}

EventLoop::~EventLoop() {
  if (mask_saved_) pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
}

SysStatus EventLoop::add(int fd, uint32_t events, Handler handler) {
  if (entries_.count(fd)) return sys_error("epoll add: fd already watched", EEXIST);
  auto e = std::make_unique<Entry>();
  e->fd = fd;
  e->handler = std::move(handler);
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = e.get();
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) return sys_error("epoll_ctl ADD");
  entries_[fd] = std::move(e);
  return {};
}

SysStatus EventLoop::modify(int fd, uint32_t events) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return sys_error("epoll modify: fd not watched", ENOENT);
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = it->second.get();
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) return sys_error("epoll_ctl MOD");
  return {};
}

void EventLoop::remove(int fd) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);  // fails harmlessly if fd was closed
  it->second->removed = true;
  graveyard_.push_back(std::move(it->second));  // may still be in this round's ready list
  entries_.erase(it);
}

SysStatus EventLoop::set_timer(Time deadline) {
  itimerspec its{};
  if (deadline != Time::max()) {
    // An all-zero it_value disarms the timer; a past deadline must still fire.
    const int64_t ns = deadline.ns > 0 ? deadline.ns : 1;
    its.it_value.tv_sec = ns / 1'000'000'000;
    its.it_value.tv_nsec = ns % 1'000'000'000;
  }
  if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr) < 0)
    return sys_error("timerfd_settime");
  return {};
}

SysStatus EventLoop::watch_signals(std::initializer_list<int> signals,
                                   std::function<void(int)> handler) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  sigset_t old;
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, &old); rc != 0) return sys_error("pthread_sigmask", rc);
  if (!mask_saved_) saved_mask_ = old, mask_saved_ = true;
  const bool had = signal_.valid();
  int fd = signalfd(had ? signal_.get() : -1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return sys_error("signalfd");
  signal_handler_ = std::move(handler);
  if (had) return {};
  signal_.reset(fd);
  SysStatus st = add(fd, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_.get(), &si, sizeof si) == sizeof si) {
      if (signal_handler_) signal_handler_(static_cast<int>(si.ssi_signo));
    }
  });
  if (st) entries_[fd]->internal = true;
  return st;
}

SysResult<int> EventLoop::run_once(int timeout_ms) {
  // Busy polling (set_busy_poll): within the budget, look without blocking.
  bool polling = false;
  if (busy_poll_.ns > 0 && polling_until_.ns != 0) {
    polling = monotonic_now() < polling_until_;
    if (!polling) polling_until_ = Time{};
  }
  int n = epoll_wait(epoll_.get(), ready_.data(), static_cast<int>(ready_.size()), polling ? 0 : timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    return sys_error("epoll_wait");
  }
  bool traffic = false;
  for (int i = 0; i < n; ++i) {
    auto* e = static_cast<Entry*>(ready_[static_cast<size_t>(i)].data.ptr);
    if (e->removed) continue;
    traffic |= !e->internal;
    e->handler(ready_[static_cast<size_t>(i)].events);
  }
  graveyard_.clear();
  if (busy_poll_.ns > 0) {
    if (traffic) {
      polling_until_ = monotonic_now() + busy_poll_;
    } else if (polling && n == 0) {
      ++idle_polls_;
      sched_yield();  // a runnable process on this CPU (the next hop?) goes first
    }
  }
  return n;
}

SysStatus EventLoop::run() {
  while (!stopped_) {
    auto r = run_once(-1);
    if (!r) return r.error();
  }
  return {};
}

void EventLoop::stop() {
  stopped_ = true;
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

}  // namespace ainet::io
