#include "io/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "io/clock.h"

namespace ainet::io {
namespace {

std::unique_ptr<EventLoop> make_loop() {
  auto r = EventLoop::create();
  EXPECT_TRUE(r) << r.error().message();
  return std::move(r).value();
}

TEST(EventLoop, TimerFiresAtTheDeadlineNotBefore) {
  auto loop = make_loop();
  int fired = 0;
  Time fired_at{};
  loop->on_timer([&] {
    ++fired;
    fired_at = monotonic_now();
  });
  const Time deadline = monotonic_now() + Duration::ms(30);
  ASSERT_TRUE(loop->set_timer(deadline).ok());
  ASSERT_TRUE(loop->run_once(0));  // not yet
  EXPECT_EQ(fired, 0);
  while (fired == 0) ASSERT_TRUE(loop->run_once(1000));
  EXPECT_EQ(fired, 1);
  EXPECT_GE(fired_at, deadline);
  EXPECT_LT((fired_at - deadline).ns, Duration::ms(500).ns);
  // One-shot: no second firing.
  auto n = loop->run_once(50);
  ASSERT_TRUE(n);
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, PastDeadlineFiresAtOnceAndMaxDisarms) {
  auto loop = make_loop();
  int fired = 0;
  loop->on_timer([&] { ++fired; });
  ASSERT_TRUE(loop->set_timer(Time{0}).ok());
  ASSERT_TRUE(loop->run_once(1000));
  EXPECT_EQ(fired, 1);
  ASSERT_TRUE(loop->set_timer(monotonic_now() + Duration::ms(20)).ok());
  ASSERT_TRUE(loop->set_timer(Time::max()).ok());
  ASSERT_TRUE(loop->run_once(80));
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, SignalsArriveAsEvents) {
  auto loop = make_loop();
  std::vector<int> got;
  ASSERT_TRUE(loop->watch_signals({SIGHUP, SIGUSR1}, [&](int s) { got.push_back(s); }).ok());
  ASSERT_EQ(raise(SIGUSR1), 0);  // blocked: would kill the process if not
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  for (int i = 0; i < 10 && got.size() < 2; ++i) ASSERT_TRUE(loop->run_once(200));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(std::find(got.begin(), got.end(), SIGUSR1), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), SIGHUP), got.end());
}

TEST(EventLoop, FdHandlerRunsAndMayRemoveItself) {
  auto loop = make_loop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int calls = 0;
  ASSERT_TRUE(loop->add(fds[0], EPOLLIN, [&](uint32_t ev) {
                    EXPECT_TRUE(ev & EPOLLIN);
                    ++calls;
                    loop->remove(fds[0]);  // level-triggered: would fire again otherwise
                  }).ok());
  EXPECT_FALSE(loop->add(fds[0], EPOLLIN, [](uint32_t) {}).ok());  // one handler per fd
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  ASSERT_TRUE(loop->run_once(1000));
  ASSERT_TRUE(loop->run_once(50));
  EXPECT_EQ(calls, 1);
  close(fds[0]);
  close(fds[1]);
}

// set_busy_poll: after a wake-up that found a watched fd ready, the next
// run_once looks without blocking (an idle poll) instead of sleeping; the
// timer (internal) does not start polling, and a zero budget never polls.
// No timing is asserted: the budget is far longer than the test (60 s), and
// a timer 2 s ahead ends a run_once that wrongly blocks (then it returns 1
// and the check fails) instead of hanging.
TEST(EventLoop, BusyPollLooksWithoutBlockingAfterTraffic) {
  for (const bool on : {true, false}) {
    auto loop = make_loop();
    if (on) loop->set_busy_poll(Duration::s(60));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int reads = 0;
    ASSERT_TRUE(loop->add(fds[0], EPOLLIN, [&](uint32_t) {
      char c;
      reads += ::read(fds[0], &c, 1) == 1;
    }).ok());
    int fired = 0;
    loop->on_timer([&] { ++fired; });
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    auto n = loop->run_once(-1);  // the byte: traffic
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1);
    EXPECT_EQ(reads, 1);
    ASSERT_TRUE(loop->set_timer(monotonic_now() + Duration::s(2)).ok());
    n = loop->run_once(-1);
    ASSERT_TRUE(n);
    if (on) {
      EXPECT_EQ(*n, 0);  // polled: nothing ready, did not block
      EXPECT_EQ(loop->idle_polls(), 1u);
      EXPECT_EQ(fired, 0);
    } else {
      EXPECT_EQ(*n, 1);  // blocked until the timer
      EXPECT_EQ(fired, 1);
      EXPECT_EQ(loop->idle_polls(), 0u);
    }
    // A timer-only wake-up starts no polling: with the timer firing at once,
    // the next run_once(0) is a plain non-blocking wait, not an idle poll.
    auto quiet = make_loop();
    quiet->set_busy_poll(Duration::s(60));
    int ticks = 0;
    quiet->on_timer([&] { ++ticks; });
    ASSERT_TRUE(quiet->set_timer(Time{1}).ok());  // in the past: fires at once
    n = quiet->run_once(-1);
    ASSERT_TRUE(n);
    EXPECT_EQ(ticks, 1);
    ASSERT_TRUE(quiet->run_once(0));
    EXPECT_EQ(quiet->idle_polls(), 0u);
    close(fds[0]);
    close(fds[1]);
  }
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  auto loop = make_loop();
  std::thread t([&] {
    usleep(20000);
    loop->stop();
  });
  EXPECT_TRUE(loop->run().ok());
  t.join();
  EXPECT_TRUE(loop->stopped());
}

}  // namespace
}  // namespace ainet::io
