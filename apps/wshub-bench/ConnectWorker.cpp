#include "ConnectWorker.h"

#include <sys/epoll.h>
#include <unistd.h>

namespace wshub::bench {

ConnectWorker::ConnectWorker(const DialTarget& target, int slots, int first, int total,
                             double timeout_seconds)
    : target_(target),
      first_(first),
      total_(total),
      timeout_ns_(static_cast<uint64_t>(timeout_seconds * 1e9)),
      slots_(static_cast<size_t>(slots)),
      started_at_(static_cast<size_t>(slots), 0),
      was_open_(static_cast<size_t>(slots), false),
      free_(static_cast<size_t>(slots), true) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  for (size_t i = 0; i < slots_.size(); ++i) slots_[i].index = static_cast<uint32_t>(i);
}

ConnectWorker::~ConnectWorker() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void ConnectWorker::note(std::string_view why) {
  if (result_.first_error.empty()) result_.first_error = why;
}

void ConnectWorker::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (done_ < total_) {
    // Free slots start their next connection between batches (ClientConnection's rule).
    for (size_t i = 0; i < slots_.size() && next_ < total_; ++i) {
      if (!free_[i]) continue;
      free_[i] = false;
      was_open_[i] = false;
      started_at_[i] = monotonic_ns();
      slots_[i].start(target_, *this, epoll_fd_, static_cast<uint64_t>(first_ + next_++));
    }
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 10);
    for (int i = 0; i < n; ++i)
      static_cast<ClientConnection*>(events[i].data.ptr)->on_event(events[i].events, buffer_);
    const uint64_t now = monotonic_ns();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!free_[i] && now - started_at_[i] > timeout_ns_) slots_[i].abort("timed out");
    }
  }
}

void ConnectWorker::on_open(ClientConnection& c, uint64_t now) {
  result_.latency.record(now - started_at_[c.index]);
  ++result_.upgraded;
  was_open_[c.index] = true;
  c.close_gracefully();
}

void ConnectWorker::on_closed(ClientConnection& c, bool clean, std::string_view why) {
  const size_t i = c.index;
  if (!was_open_[i]) {
    ++result_.failed;
    note(why);
  } else if (clean) {
    ++result_.closed_clean;
  } else {
    ++result_.close_problems;
    note("close: " + std::string(why));
  }
  free_[i] = true;
  ++done_;
}

}  // namespace wshub::bench
