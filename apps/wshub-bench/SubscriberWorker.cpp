#include "SubscriberWorker.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "DeliveryParser.h"

namespace wshub::bench {
namespace {

constexpr double kCloseGraceSeconds = 3;

}  // namespace

void SubscriberSample::merge(const SubscriberSample& o) {
  window_deliveries += o.window_deliveries;
  window_bytes += o.window_bytes;
  latency.merge(o.latency);
  unique += o.unique;
  duplicates += o.duplicates;
  reordered += o.reordered;
  misrouted += o.misrouted;
  errors += o.errors;
}

SubscriberWorker::SubscriberWorker(const DialTarget& target, int channels, int first, int count,
                                   int concurrency)
    : target_(target),
      channels_(channels),
      first_(first),
      count_(count),
      concurrency_(concurrency),
      connections_(static_cast<size_t>(count)),
      states_(static_cast<size_t>(count), SubscriberState::waiting),
      sequences_(static_cast<size_t>(count)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  for (int k = 0; k < channels; ++k) channel_names_.push_back("bench:" + std::to_string(k));
  for (int i = 0; i < count; ++i) connections_[static_cast<size_t>(i)].index = static_cast<uint32_t>(i);
}

std::vector<int> SubscriberWorker::subscribed_per_channel() const {
  std::vector<int> counts(static_cast<size_t>(channels_), 0);
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count_; ++i) {
    const SubscriberState s = states_[static_cast<size_t>(i)];
    if (s == SubscriberState::subscribed || s == SubscriberState::dropped)
      ++counts[static_cast<size_t>((first_ + i) % channels_)];
  }
  return counts;
}

std::string SubscriberWorker::first_error() const {
  std::lock_guard lock(mutex_);
  return first_error_;
}

void SubscriberWorker::note_error(std::string_view why) {
  std::lock_guard lock(mutex_);
  if (first_error_.empty()) first_error_ = why;
}

void SubscriberWorker::take_sample(SubscriberSample& into) {
  const uint32_t ticket = sample_requested_.fetch_add(1) + 1;
  while (sample_served_.load(std::memory_order_acquire) < ticket) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::lock_guard lock(mutex_);
  into.merge(handoff_);
  handoff_ = SubscriberSample();
}

void SubscriberWorker::serve_sample_request() {
  const uint32_t requested = sample_requested_.load(std::memory_order_acquire);
  if (requested == sample_served_.load(std::memory_order_relaxed)) return;
  {
    std::lock_guard lock(mutex_);
    handoff_.merge(sample_);
  }
  // The window counts start again; the cumulative ones are handed over as deltas too.
  sample_ = SubscriberSample();
  sample_served_.store(requested, std::memory_order_release);
}

void SubscriberWorker::open_more() {
  while (!stopping_ && opening_ < concurrency_ && next_to_open_ < count_) {
    const int i = next_to_open_++;
    states_[static_cast<size_t>(i)] = SubscriberState::opening;
    ++opening_;
    connections_[static_cast<size_t>(i)].start(target_, *this, epoll_fd_, static_cast<uint64_t>(first_ + i));
  }
}

void SubscriberWorker::opened(SubscriberState outcome) {
  --opening_;
  if (outcome == SubscriberState::subscribed) {
    subscribed_.fetch_add(1, std::memory_order_release);
  } else {
    failed_.fetch_add(1, std::memory_order_release);
  }
}

void SubscriberWorker::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  uint64_t close_deadline = 0;
  for (;;) {
    if (!stopping_ && stop_.load(std::memory_order_acquire)) {
      stopping_ = true;
      close_all();
      close_deadline = monotonic_ns() + static_cast<uint64_t>(kCloseGraceSeconds * 1e9);
    }
    if (stopping_) {
      bool any_open = false;
      for (ClientConnection& c : connections_) {
        if (c.state() != ClientConnection::State::closed && c.state() != ClientConnection::State::idle) {
          any_open = true;
          break;
        }
      }
      if (!any_open) break;
      if (monotonic_ns() > close_deadline) {
        for (ClientConnection& c : connections_) c.abort("no close reply in time");
        break;
      }
    }
    open_more();
    window_start_local_ = window_start_.load(std::memory_order_relaxed);
    window_end_local_ = window_end_.load(std::memory_order_acquire);
    serve_sample_request();
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 10);
    for (int i = 0; i < n; ++i)
      static_cast<ClientConnection*>(events[i].data.ptr)->on_event(events[i].events, buffer_);
    unique_.store(unique_total_, std::memory_order_relaxed);
  }
  serve_sample_request();
  ::close(epoll_fd_);
  epoll_fd_ = -1;
}

void SubscriberWorker::close_all() {
  for (ClientConnection& c : connections_) c.close_gracefully();
}

void SubscriberWorker::on_open(ClientConnection& c, uint64_t) {
  const std::string& channel =
      channel_names_[static_cast<size_t>((first_ + static_cast<int>(c.index)) % channels_)];
  c.send_message("{\"type\":\"subscribe\",\"id\":1,\"channel\":\"" + channel + "\"}");
}

void SubscriberWorker::on_message(ClientConnection& c, std::string_view message, uint64_t now) {
  const size_t i = c.index;
  Delivery delivery;
  switch (classify(message, delivery)) {
    case MessageKind::delivery: {
      if (delivery.channel !=
          channel_names_[static_cast<size_t>((first_ + static_cast<int>(i)) % channels_)]) {
        ++sample_.misrouted;
        return;
      }
      const Arrival arrival = sequences_[i].record(delivery.seq);
      if (arrival == Arrival::duplicate) {
        ++sample_.duplicates;
        return;
      }
      ++sample_.unique;
      ++unique_total_;
      if (arrival == Arrival::reordered) ++sample_.reordered;
      if (now >= window_start_local_ && now < window_end_local_) {
        ++sample_.window_deliveries;
        sample_.window_bytes += message.size();
      }
      if (delivery.sent_ns >= window_start_local_ && delivery.sent_ns < window_end_local_ &&
          now > delivery.sent_ns)
        sample_.latency.record(now - delivery.sent_ns);
      return;
    }
    case MessageKind::subscribed:
      if (states_[i] == SubscriberState::opening) {
        {
          std::lock_guard lock(mutex_);
          states_[i] = SubscriberState::subscribed;
        }
        opened(SubscriberState::subscribed);
      }
      return;
    case MessageKind::error:
      if (states_[i] == SubscriberState::opening) {
        note_error("subscribe refused: " + std::string(message.substr(0, 200)));
        {
          std::lock_guard lock(mutex_);
          states_[i] = SubscriberState::failed;
        }
        opened(SubscriberState::failed);
        c.close_gracefully();
      } else {
        ++sample_.errors;
        note_error("error message: " + std::string(message.substr(0, 200)));
      }
      return;
    case MessageKind::ack:
    case MessageKind::other:
      return;
  }
}

void SubscriberWorker::on_closed(ClientConnection& c, bool clean, std::string_view why) {
  const size_t i = c.index;
  const SubscriberState before = states_[i];
  SubscriberState after = SubscriberState::closed;
  if (before == SubscriberState::opening) {
    after = SubscriberState::failed;
    note_error(why);
    opened(SubscriberState::failed);
  } else if (before == SubscriberState::subscribed) {
    if (stopping_) {
      after = SubscriberState::subscribed;  // still counted on its channel
    } else {
      after = SubscriberState::dropped;
      dropped_.fetch_add(1, std::memory_order_relaxed);
      note_error("subscriber dropped: " + std::string(why));
    }
  } else {
    after = before;
  }
  std::lock_guard lock(mutex_);
  states_[i] = after;
}

}  // namespace wshub::bench
