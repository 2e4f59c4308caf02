#include "net/EventLoop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace wshub::net {

namespace {
// The wake-up fd is registered with this sentinel instead of a handler.
IoHandler* const kWakeTag = nullptr;
constexpr int kMaxEvents = 256;
}  // namespace

EventLoop::EventLoop(size_t task_capacity) : tasks_(task_capacity), now_(TimingWheel::Clock::now()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("event loop: cannot create epoll/eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = kWakeTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0)
    throw std::runtime_error("event loop: epoll_ctl");
}

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::remove(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

bool EventLoop::post(Task task) {
  if (!tasks_.try_push(std::move(task))) return false;
  // Only the first poster since the last drain pays for the eventfd write.
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  }
  return true;
}

void EventLoop::stop() {
  running_.store(false, std::memory_order_release);
  uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void EventLoop::drain_tasks() {
  uint64_t counter;
  [[maybe_unused]] auto n = read(wake_fd_, &counter, sizeof counter);
  // Clear the flag before popping so a task posted during the drain wakes us again.
  wake_pending_.store(false, std::memory_order_release);
  Task task;
  // Bounded: tasks posted while draining wait for the next iteration, so a flood of
  // cross-thread work cannot starve socket I/O.
  size_t budget = tasks_.capacity();
  while (budget-- > 0 && tasks_.try_pop(task)) {
    task();
    task = nullptr;
  }
  if (!tasks_.empty_approx()) immediate_ = true;
}

void EventLoop::run() {
  loop_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  running_.store(true, std::memory_order_release);
  epoll_event events[kMaxEvents];
  while (running_.load(std::memory_order_acquire)) {
    now_ = TimingWheel::Clock::now();
    int timeout = immediate_ ? 0 : timers_.next_timeout_ms(now_);
    immediate_ = false;
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    if (n < 0 && errno != EINTR) throw std::runtime_error("event loop: epoll_wait failed");
    now_ = TimingWheel::Clock::now();
    // Advance before dispatching: the wheel measures new delays from its last advance,
    // so a connection accepted after a long idle wait must not be timed from a stale tick
    // (its handshake deadline would fire at once).
    timers_.advance(now_);
    for (int i = 0; i < n; ++i) {
      auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
      if (handler == kWakeTag) {
        drain_tasks();
      } else {
        handler->on_io(events[i].events);
      }
    }
    if (hook_) hook_();
  }
  // Tasks still queued at stop are dropped with the loop; posting threads were told the
  // loop is stopping by the owner (Worker) before it stops.
}

}  // namespace wshub::net
