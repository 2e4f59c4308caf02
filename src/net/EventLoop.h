#pragma once
// One epoll loop per worker thread, in the spirit of Redis's ae.c: a few hundred lines,
// level-triggered, with a timing wheel for deadlines, an eventfd for cross-thread
// wake-ups, and an end-of-iteration hook. The hook is where corked output is flushed
// and closed connections are freed, so nothing is ever freed inside its own callback.
#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "net/MpscQueue.h"
#include "net/TimingWheel.h"

namespace wshub::net {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // `events` is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
  virtual void on_io(uint32_t events) = 0;
};

class EventLoop {
 public:
  using Task = std::function<void()>;

  // `task_capacity` bounds the cross-thread queue: post() fails rather than grows.
  explicit EventLoop(size_t task_capacity = 65536);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registration (loop thread only). Return false with errno set on failure.
  bool add(int fd, uint32_t events, IoHandler* handler);
  bool modify(int fd, uint32_t events, IoHandler* handler);
  void remove(int fd);

  TimingWheel& timers() { return timers_; }

  // Any thread: queue `task` to run on the loop thread and wake it. False when the
  // queue is full; the caller owns the policy (count and drop, or retry later).
  bool post(Task task);

  // Runs after every iteration on the loop thread (flush corked writes, free closed
  // connections). Work added by the hook itself runs in the same pass.
  void set_iteration_hook(std::function<void()> hook) { hook_ = std::move(hook); }

  // Makes the next epoll_wait return at once (e.g. a connection has buffered TLS input
  // that needs another read without a readiness event).
  void request_immediate_iteration() { immediate_ = true; }

  // True on the thread inside run() (false before run() starts).
  bool in_loop_thread() const { return loop_thread_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

  void run();   // until stop()
  void stop();  // any thread

  // Time of the current iteration, cached so per-message code does not call the clock.
  TimingWheel::Clock::time_point now() const { return now_; }

 private:
  void drain_tasks();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> running_{false};
  std::atomic<bool> wake_pending_{false};
  bool immediate_ = false;
  TimingWheel timers_;
  MpscQueue<Task> tasks_;
  std::function<void()> hook_;
  TimingWheel::Clock::time_point now_;
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace wshub::net
