#pragma once
// One generator thread of the fanout scenario: an epoll loop holding its share of the
// subscribers. Each subscriber connects, upgrades, subscribes to channel
// `bench:<number % channels>` and waits for `subscribed`; at most `concurrency` of them
// are between connect and `subscribed` at once, so a listen backlog is not flooded.
// Then every delivery is classified without a JSON parser (DeliveryParser), checked
// against the subscriber's sequence numbers (SequenceTracker), and counted:
//   - deliveries received between the window's start and end (throughput);
//   - latency = receive time - the `t` the publisher stamped, recorded when `t` is inside
//     the window, whenever the delivery arrives (so a late delivery is not left out);
//   - unique, duplicate, reordered and misrouted (wrong channel) counts, cumulative.
// The owner reads a sample (take_sample) between rate points, and the progress counters
// at any time.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ClientConnection.h"
#include "LatencyHistogram.h"
#include "SequenceTracker.h"

namespace wshub::bench {

struct SubscriberSample {
  // Since the previous sample.
  uint64_t window_deliveries = 0;  // unique deliveries received inside the window
  uint64_t window_bytes = 0;       // their message bytes
  LatencyHistogram latency;        // nanoseconds, publications stamped inside the window
  // Cumulative.
  uint64_t unique = 0;
  uint64_t duplicates = 0;
  uint64_t reordered = 0;
  uint64_t misrouted = 0;  // a delivery for a channel the subscriber is not on
  uint64_t errors = 0;     // `error` messages after subscribing
  void merge(const SubscriberSample& other);
};

class SubscriberWorker final : private ClientEvents {
 public:
  // Subscribers number `first` .. `first + count - 1` of the whole run.
  SubscriberWorker(const DialTarget& target, int channels, int first, int count, int concurrency);
  SubscriberWorker(const SubscriberWorker&) = delete;
  SubscriberWorker& operator=(const SubscriberWorker&) = delete;

  // The thread body; returns after stop(), once every subscriber is closed.
  void run();
  void stop() { stop_.store(true, std::memory_order_release); }

  void set_window(uint64_t start_ns, uint64_t end_ns) {
    window_start_.store(start_ns, std::memory_order_relaxed);
    window_end_.store(end_ns, std::memory_order_release);
  }
  // Blocks until the worker handed over the counts since the last call (merged into `into`).
  void take_sample(SubscriberSample& into);

  bool opening_done() const { return subscribed_.load() + failed_.load() >= count_; }
  int subscribed() const { return subscribed_.load(); }
  int failed() const { return failed_.load(); }
  int dropped() const { return dropped_.load(); }
  uint64_t unique() const { return unique_.load(std::memory_order_relaxed); }
  // Subscribed subscribers per channel (valid once opening_done()).
  std::vector<int> subscribed_per_channel() const;
  std::string first_error() const;

 private:
  enum class SubscriberState : uint8_t { waiting, opening, subscribed, failed, dropped, closed };

  void on_open(ClientConnection& c, uint64_t now_ns) override;
  void on_message(ClientConnection& c, std::string_view message, uint64_t now_ns) override;
  void on_closed(ClientConnection& c, bool clean, std::string_view why) override;
  void open_more();
  void opened(SubscriberState outcome);
  void note_error(std::string_view why);
  void serve_sample_request();
  void close_all();

  const DialTarget& target_;
  const int channels_;
  const int first_;
  const int count_;
  const int concurrency_;
  int epoll_fd_ = -1;
  std::vector<ClientConnection> connections_;
  std::vector<SubscriberState> states_;
  std::vector<SequenceTracker> sequences_;
  std::vector<std::string> channel_names_;
  int next_to_open_ = 0;
  int opening_ = 0;
  bool stopping_ = false;
  ReadBuffer buffer_;
  uint64_t window_start_local_ = 0, window_end_local_ = 0;
  SubscriberSample sample_;  // worker-owned
  uint64_t unique_total_ = 0;

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> window_start_{0}, window_end_{0};
  std::atomic<int> subscribed_{0}, failed_{0}, dropped_{0};
  std::atomic<uint64_t> unique_{0};
  std::atomic<uint32_t> sample_requested_{0}, sample_served_{0};
  mutable std::mutex mutex_;  // guards handoff_ and first_error_ (off the per-message path)
  SubscriberSample handoff_;
  std::string first_error_;
};

}  // namespace wshub::bench
