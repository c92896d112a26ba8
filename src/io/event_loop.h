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

// The largest busy-poll budget a config may ask for ([network] busy_poll_us,
// endpoint.busy_poll_us): a millisecond of spinning per wake-up is already
// far beyond what a packet's wake-up latency costs.
inline constexpr int kMaxBusyPollUs = 1000;

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

  // Bounded adaptive busy polling (off while `budget` is zero, the
  // default): after a wake-up that found a watched descriptor ready (not the
  // timer, stop() or a signal), the next run_once calls poll without
  // blocking (epoll_wait with timeout 0, then sched_yield so that a runnable
  // process on this CPU goes first) until `budget` has passed with nothing
  // ready; each ready descriptor restarts the budget. Then epoll_wait blocks
  // again. It trades CPU time for the wake-up latency of a packet that comes
  // within `budget` of the previous one; with no traffic nothing spins.
  void set_busy_poll(Duration budget) { busy_poll_ = budget; }
  // Polls that found nothing (each one epoll_wait + sched_yield), for tests
  // and metrics.
  uint64_t idle_polls() const { return idle_polls_; }

  // One epoll_wait (timeout in ms; -1 blocks) and its handlers. Returns the
  // number of ready descriptors (0 on timeout, and on a busy poll that found
  // nothing: callers loop, as run() does).
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
    bool internal = false;  // timer, wake-up or signal fd: does not start busy polling
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
  Duration busy_poll_{};
  Time polling_until_{};  // busy polling while monotonic_now() < this
  uint64_t idle_polls_ = 0;
};

}  // namespace ainet::io
