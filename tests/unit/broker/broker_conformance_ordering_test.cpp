// Conformance: the ordering rule of hub/Broker.h under concurrent publishers (fixture and
// rules: broker_conformance.h, broker_conformance_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "broker_conformance.h"

namespace wshub::broker::conformance {
namespace {

// --- Ordering across threads ---

// Checks the contract's ordering rule from inside the handler: offsets arrive one by one with
// no gap and no two calls overlap.
class OrderCheckingHandler : public hub::BrokerEventHandler {
 public:
  explicit OrderCheckingHandler(std::string channel) : channel_(std::move(channel)) {}

  void on_publication(const hub::PublicationPtr& publication) override {
    if (publication->channel != channel_) return;
    if (inside_.exchange(true, std::memory_order_acquire)) overlapped_.store(true);
    const uint64_t expected = last_.load(std::memory_order_relaxed) + 1;
    if (publication->offset != expected) out_of_order_.store(true);
    last_.store(publication->offset, std::memory_order_release);
    if (publication->offset % 64 == 0) std::this_thread::yield();  // widen the window for overlaps
    inside_.store(false, std::memory_order_release);
  }
  void on_join(std::string_view, const hub::ClientInfo&) override {}
  void on_leave(std::string_view, const hub::ClientInfo&) override {}
  void on_user_message(std::string_view, const hub::PublicationPtr&) override {}
  void on_user_command(const hub::UserCommand&) override {}

  // The highest offset whose on_publication has started: it must already be in history.
  uint64_t delivered() const { return last_.load(std::memory_order_acquire); }
  bool overlapped() const { return overlapped_.load(); }
  bool out_of_order() const { return out_of_order_.load(); }

 private:
  const std::string channel_;
  std::atomic<bool> inside_{false};
  std::atomic<bool> overlapped_{false};
  std::atomic<bool> out_of_order_{false};
  std::atomic<uint64_t> last_{0};
};

TEST_P(BrokerConformance, ConcurrentPublishersAreDeliveredInOffsetOrder) {
  WSHUB_REQUIRE_HISTORY();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  constexpr uint64_t kTotal = kThreads * kPerThread;
  const std::string ch = channel();
  OrderCheckingHandler checker(ch);
  auto broker = GetParam().make();  // a broker of its own: the handler is set before any call
  broker->set_event_handler(&checker);
  subscribe(*broker, ch);
  const auto options = publish_options(kTotal);

  std::atomic<bool> publishing{true};
  std::atomic<bool> lagging_history{false};
  // "In history before on_publication runs", as an observer can see it (the one that matters
  // to the hub: it registers a client, then reads history, and must miss nothing): a history
  // read that starts after on_publication(N) started includes N. The handler itself cannot
  // read history (handlers must not call back into the broker), so a watcher thread reads the
  // handler's progress, then the top, over and over while the publishers run.
  std::thread watcher([&] {
    while (publishing.load()) {
      const uint64_t seen = checker.delivered();
      const auto result = history(*broker, ch, latest(0), options.history);
      if (result.position.offset < seen) lagging_history.store(true);
    }
  });

  std::vector<std::vector<hub::StreamPosition>> positions(kThreads);
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto position = publish(*broker, make_publication(ch, "{\"t\":" + std::to_string(t) + "}"), options);
        // A completed publish is in history (read your own write).
        if (i % 100 == 0) {
          const auto result =
              history(*broker, ch, since(position.offset - 1, position.epoch, 1), options.history);
          if (result.publications.empty() || result.publications[0]->offset != position.offset) {
            lagging_history.store(true);
          }
        }
        positions[t].push_back(std::move(position));
      }
    });
  }
  for (auto& thread : publishers) thread.join();
  EXPECT_TRUE(eventually([&] { return checker.delivered() == kTotal || checker.out_of_order(); }));
  publishing.store(false);
  watcher.join();

  EXPECT_FALSE(checker.overlapped()) << "on_publication ran concurrently for one channel";
  EXPECT_FALSE(checker.out_of_order()) << "on_publication skipped or repeated an offset";
  EXPECT_EQ(checker.delivered(), kTotal);
  EXPECT_FALSE(lagging_history.load()) << "a delivered or completed publication was missing from history";

  std::vector<uint64_t> all;
  const std::string epoch = positions[0][0].epoch;
  for (const auto& thread_positions : positions) {
    uint64_t previous = 0;
    for (const auto& position : thread_positions) {
      EXPECT_EQ(position.epoch, epoch);
      EXPECT_GT(position.offset, previous);  // one thread's publishes are ordered
      previous = position.offset;
      all.push_back(position.offset);
    }
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, range(1, kTotal));
  const auto kept = history(*broker, ch, since(0, epoch), options.history);
  EXPECT_TRUE(kept.since_available);
  EXPECT_EQ(offsets(kept.publications), range(1, kTotal));
}

// Without history there is no offset, and no order between publishers; each publisher's
// publications still arrive in the order it published them, once, never concurrently.
class PublisherOrderHandler : public hub::BrokerEventHandler {
 public:
  PublisherOrderHandler(std::string channel, int publishers)
      : channel_(std::move(channel)), next_(static_cast<size_t>(publishers)) {}

  void on_publication(const hub::PublicationPtr& publication) override {
    if (publication->channel != channel_) return;
    if (inside_.exchange(true, std::memory_order_acquire)) overlapped_.store(true);
    // Payload {"t":T,"i":I}: publisher T's I-th publication (a single digit T).
    const std::string& bytes = publication->payload.bytes;
    const size_t t = static_cast<size_t>(bytes[5] - '0');
    const int i = std::stoi(bytes.substr(11));
    if (t >= next_.size() || i != next_[t]) out_of_order_.store(true);
    if (t < next_.size()) next_[t] = i + 1;
    delivered_.fetch_add(1, std::memory_order_release);
    inside_.store(false, std::memory_order_release);
  }
  void on_join(std::string_view, const hub::ClientInfo&) override {}
  void on_leave(std::string_view, const hub::ClientInfo&) override {}
  void on_user_message(std::string_view, const hub::PublicationPtr&) override {}
  void on_user_command(const hub::UserCommand&) override {}

  uint64_t delivered() const { return delivered_.load(std::memory_order_acquire); }
  bool overlapped() const { return overlapped_.load(); }
  bool out_of_order() const { return out_of_order_.load(); }

 private:
  const std::string channel_;
  std::vector<int> next_;  // written by the (never concurrent) handler only
  std::atomic<bool> inside_{false};
  std::atomic<bool> overlapped_{false};
  std::atomic<bool> out_of_order_{false};
  std::atomic<uint64_t> delivered_{0};
};

TEST_P(BrokerConformance, ConcurrentPublishersWithoutHistoryKeepTheirOwnOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  const std::string ch = channel();
  PublisherOrderHandler checker(ch, kThreads);
  auto broker = GetParam().make();
  broker->set_event_handler(&checker);
  subscribe(*broker, ch);
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string json = "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
        publish(*broker, make_publication(ch, json), publish_options(0));
      }
    });
  }
  for (auto& thread : publishers) thread.join();
  EXPECT_TRUE(eventually([&] { return checker.delivered() >= uint64_t{kThreads * kPerThread}; }));
  EXPECT_FALSE(checker.overlapped()) << "on_publication ran concurrently for one channel";
  EXPECT_FALSE(checker.out_of_order()) << "a publisher's publications were reordered, lost or repeated";
  EXPECT_EQ(checker.delivered(), uint64_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace wshub::broker::conformance
