#include "HoldWorker.h"

#include <sys/epoll.h>
#include <unistd.h>

namespace wshub::bench {

HoldWorker::HoldWorker(const DialTarget& target, int first, int count, int concurrency)
    : target_(target),
      first_(first),
      count_(count),
      concurrency_(concurrency),
      connections_(static_cast<size_t>(count)),
      was_open_(static_cast<size_t>(count), false),
      awaiting_reply_(static_cast<size_t>(count), false) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < count; ++i) connections_[static_cast<size_t>(i)].index = static_cast<uint32_t>(i);
}

std::string HoldWorker::first_error() const {
  std::lock_guard lock(mutex_);
  return first_error_;
}

void HoldWorker::note(std::string_view why) {
  std::lock_guard lock(mutex_);
  if (first_error_.empty()) first_error_ = why;
}

void HoldWorker::close_all(double close_timeout_seconds) {
  close_timeout_ns_.store(static_cast<uint64_t>(close_timeout_seconds * 1e9));
  close_requested_.store(true, std::memory_order_release);
}

void HoldWorker::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  uint64_t close_deadline = 0;
  while (closed_.load() < count_) {
    if (!closing_ && close_requested_.load(std::memory_order_acquire)) {
      closing_ = true;
      close_deadline = monotonic_ns() + close_timeout_ns_.load();
      for (ClientConnection& c : connections_) c.close_gracefully();
    }
    if (closing_ && monotonic_ns() > close_deadline) {
      for (ClientConnection& c : connections_) c.abort("no close reply in time");
    }
    while (!closing_ && opening_ < concurrency_ && next_ < count_) {
      ++opening_;
      const int i = next_++;
      connections_[static_cast<size_t>(i)].start(target_, *this, epoll_fd_,
                                                 static_cast<uint64_t>(first_ + i));
    }
    // Connections never started (a close asked for during opening) count as closed.
    if (closing_ && next_ < count_) {
      closed_.fetch_add(count_ - next_);
      failed_.fetch_add(count_ - next_);
      next_ = count_;
    }
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 10);
    for (int i = 0; i < n; ++i)
      static_cast<ClientConnection*>(events[i].data.ptr)->on_event(events[i].events, buffer_);
  }
  ::close(epoll_fd_);
  epoll_fd_ = -1;
}

void HoldWorker::on_open(ClientConnection& c, uint64_t) {
  if (!target_.open_message.empty()) {
    awaiting_reply_[c.index] = true;
    c.send_message(target_.open_message);
    return;
  }
  count_open(c);
}

void HoldWorker::on_message(ClientConnection& c, std::string_view, uint64_t) {
  if (!awaiting_reply_[c.index]) return;
  awaiting_reply_[c.index] = false;
  count_open(c);
}

void HoldWorker::count_open(ClientConnection& c) {
  was_open_[c.index] = true;
  --opening_;
  open_.fetch_add(1, std::memory_order_release);
}

void HoldWorker::on_closed(ClientConnection& c, bool clean, std::string_view why) {
  if (!was_open_[c.index]) {
    --opening_;
    failed_.fetch_add(1);
    note(why);
  } else if (!closing_) {
    dropped_.fetch_add(1);
    note("dropped while idle: " + std::string(why));
  } else if (clean) {
    clean_.fetch_add(1);
  } else {
    note("close: " + std::string(why));
  }
  closed_.fetch_add(1, std::memory_order_release);
}

}  // namespace wshub::bench
