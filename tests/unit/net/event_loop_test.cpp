#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net/EventLoop.h"

namespace wshub::net {
namespace {

TEST(EventLoop, RunsTasksPostedFromOtherThreadsInOrderPerProducer) {
  EventLoop loop(1024);
  constexpr int kProducers = 4, kPerProducer = 5000;
  std::vector<int> last(kProducers, -1);
  std::atomic<int> done{0};
  bool in_order = true;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        while (!loop.post([&, p, i] {
          if (last[p] != i - 1) in_order = false;
          last[p] = i;
          if (++done == kProducers * kPerProducer) loop.stop();
        })) {
          std::this_thread::yield();  // full: bounded queue, the producer waits
        }
      }
    });
  }
  loop.run();
  for (auto& t : producers) t.join();
  EXPECT_EQ(done.load(), kProducers * kPerProducer);
  EXPECT_TRUE(in_order);
}

TEST(EventLoop, PostFailsWhenTheQueueIsFull) {
  EventLoop loop(4);
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += loop.post([] {}) ? 1 : 0;
  EXPECT_EQ(accepted, 4);
}

TEST(EventLoop, FiresTimersAndDispatchesIo) {
  // The wheel measures delays from its last advance (here: construction), so the clock
  // starts before the loop exists.
  auto start = std::chrono::steady_clock::now();
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  struct Reader : IoHandler {
    int fd;
    std::string got;
    EventLoop* loop;
    void on_io(uint32_t) override {
      char buf[64];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) got.append(buf, n);
      if (got == "ping") loop->stop();
    }
  } reader;
  reader.fd = fds[0];
  reader.loop = &loop;
  ASSERT_TRUE(loop.add(fds[0], EPOLLIN, &reader));
  TimerNode timer;
  timer.owner = &fds[1];
  timer.callback = [](TimerNode* node) { (void)!::write(*static_cast<int*>(node->owner), "ping", 4); };
  loop.timers().schedule(timer, std::chrono::milliseconds(20));
  loop.run();
  EXPECT_EQ(reader.got, "ping");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
  loop.remove(fds[0]);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoop, IterationHookRunsAfterEachPass) {
  EventLoop loop;
  int passes = 0;
  loop.set_iteration_hook([&] {
    if (++passes == 3) loop.stop();
    loop.request_immediate_iteration();
  });
  loop.request_immediate_iteration();
  loop.run();
  EXPECT_EQ(passes, 3);
}

}  // namespace
}  // namespace wshub::net

namespace wshub::net {
namespace {

// Regression: a timer scheduled from an I/O callback after a long idle wait must be
// measured from now, not from the last time the wheel advanced.
TEST(EventLoop, TimerScheduledAfterIdleWaitIsMeasuredFromNow) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  struct Handler : IoHandler {
    EventLoop* loop;
    int fd;
    TimerNode timer;
    std::chrono::steady_clock::time_point scheduled_at, fired_at;
    void on_io(uint32_t) override {
      char c;
      (void)!::read(fd, &c, 1);
      scheduled_at = std::chrono::steady_clock::now();
      loop->timers().schedule(timer, std::chrono::milliseconds(200));
    }
  } h;
  h.loop = &loop;
  h.fd = fds[0];
  h.timer.owner = &h;
  h.timer.callback = [](TimerNode* n) {
    auto* self = static_cast<Handler*>(n->owner);
    self->fired_at = std::chrono::steady_clock::now();
    self->loop->stop();
  };
  ASSERT_TRUE(loop.add(fds[0], EPOLLIN, &h));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the loop idles meanwhile
    (void)!::write(fds[1], "x", 1);
  });
  loop.run();
  writer.join();
  EXPECT_GE(h.fired_at - h.scheduled_at, std::chrono::milliseconds(190));
  loop.remove(fds[0]);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace wshub::net
