#pragma once
// One generator thread of the idle scenario: opens its connections (at most `concurrency`
// handshakes at once), then holds them open and silent, answering only the server's
// pings, until asked to close them all cleanly.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ClientConnection.h"

namespace wshub::bench {

class HoldWorker final : private ClientEvents {
 public:
  // Connections number `first` .. `first + count - 1` (the number picks the source address).
  HoldWorker(const DialTarget& target, int first, int count, int concurrency);
  HoldWorker(const HoldWorker&) = delete;
  HoldWorker& operator=(const HoldWorker&) = delete;

  // The thread body: returns once close_all() was asked and every connection is closed
  // (or `close_timeout` passed, after which the rest are aborted).
  void run();
  void close_all(double close_timeout_seconds);

  bool opening_done() const { return open_.load() + failed_.load() >= count_; }
  bool closing_done() const { return closed_.load() >= count_; }
  int open() const { return open_.load(); }
  int failed() const { return failed_.load(); }
  int dropped() const { return dropped_.load(); }
  int clean_closes() const { return clean_.load(); }
  std::string first_error() const;

 private:
  void on_open(ClientConnection& c, uint64_t now_ns) override;
  void on_message(ClientConnection& c, std::string_view, uint64_t) override;
  void count_open(ClientConnection& c);
  void on_closed(ClientConnection& c, bool clean, std::string_view why) override;
  void note(std::string_view why);

  const DialTarget& target_;
  const int first_;
  const int count_;
  const int concurrency_;
  int epoll_fd_ = -1;
  std::vector<ClientConnection> connections_;
  std::vector<bool> was_open_;
  std::vector<bool> awaiting_reply_;  // --open-message sent, no answer yet
  int next_ = 0;
  int opening_ = 0;
  bool closing_ = false;
  ReadBuffer buffer_;

  std::atomic<bool> close_requested_{false};
  std::atomic<uint64_t> close_timeout_ns_{0};
  std::atomic<int> open_{0}, failed_{0}, dropped_{0}, closed_{0}, clean_{0};
  mutable std::mutex mutex_;
  std::string first_error_;
};

}  // namespace wshub::bench
