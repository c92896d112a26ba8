// EventLoop: the daemon's single-threaded epoll loop. File descriptors (TUN,
// carrier sockets, control socket) get a handler; one timerfd carries the
// engine's next deadline; a signalfd turns SIGTERM/SIGHUP/SIGINT into ordinary
// events, so no handler ever runs in signal context.
//
// Handlers are std::function, set up once at start; dispatching an event
// allocates nothing.
#pragma once
#include <signal.h>
#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "io/sys_result.h"
#include "io/unique_fd.h"
#include "util/time.h"

namespace ainet::io {

class EventLoop {
 public:
  using Handler = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, EPOLLHUP...

  static SysResult<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Watches fd for `events` (level-triggered). One handler per fd.
  SysStatus add(int fd, uint32_t events, Handler handler);
  SysStatus modify(int fd, uint32_t events);
  // Safe to call from inside a handler, also for the fd being handled.
  void remove(int fd);

  // The single timer, on CLOCK_MONOTONIC (io/clock.h monotonic_now): fires
  // once at `deadline` (absolute). Time::max() disarms it. A deadline in the
  // past fires at once.
  SysStatus set_timer(Time deadline);
  void on_timer(std::function<void()> handler) { timer_handler_ = std::move(handler); }

  // Blocks `signals` for this thread and delivers them to `handler` from the
  // loop instead. The previous signal mask comes back when the loop is
  // destroyed. Call before starting other threads, so they inherit the mask.
  SysStatus watch_signals(std::initializer_list<int> signals, std::function<void(int)> handler);

  // One epoll_wait (timeout in ms; -1 blocks) and its handlers. Returns the
  // number of ready descriptors (0 on timeout).
  SysResult<int> run_once(int timeout_ms = -1);
  // Runs until stop() (at once if stop() was already called).
  SysStatus run();
  // Thread-safe and async-signal-safe: wakes the loop and ends run().
  void stop();
  bool stopped() const { return stopped_; }

 private:
  EventLoop() = default;
  struct Entry {
    int fd = -1;
    Handler handler;
    bool removed = false;
  };

  UniqueFd epoll_;
  UniqueFd timer_;
  UniqueFd wake_;    // eventfd written by stop()
  UniqueFd signal_;  // signalfd, once watch_signals() ran
  std::function<void()> timer_handler_;
  std::function<void(int)> signal_handler_;
  sigset_t saved_mask_{};
  bool mask_saved_ = false;
  std::unordered_map<int, std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Entry>> graveyard_;  // freed after a dispatch round
  std::vector<epoll_event> ready_;
  std::atomic<bool> stopped_{false};
};

}  // namespace ainet::io
