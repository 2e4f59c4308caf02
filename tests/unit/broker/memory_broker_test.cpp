// What only the memory broker promises beyond the conformance suite: TTLs measured on an
// injected clock (no sleeping), memory released when channels empty, bounded idempotency, and
// the choices its header documents.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "broker/MemoryBroker.h"
#include "broker_test_support.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // wshub::broker::testing

class FakeClock {
 public:
  Clock::time_point now() const { return Clock::time_point(Clock::duration(ticks_.load())); }
  void advance(Clock::duration by) { ticks_ += by.count(); }

 private:
  std::atomic<Clock::rep> ticks_{std::chrono::duration_cast<Clock::duration>(24h).count()};
};

hub::HistoryOptions history_options(size_t size, std::chrono::milliseconds ttl = 0ms,
                                    std::chrono::milliseconds meta_ttl = 24h) {
  hub::HistoryOptions options;
  options.size = size;
  options.ttl = ttl;
  options.meta_ttl = meta_ttl;
  return options;
}

hub::PublishOptions publish_options(const hub::HistoryOptions& history, std::string key = "",
                                    std::chrono::milliseconds window = 5min) {
  hub::PublishOptions options;
  options.history = history;
  options.idempotency_key = std::move(key);
  options.idempotency_window = window;
  return options;
}

class MemoryBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override { reset({}); }

  void reset(MemoryBroker::Options options) {
    options.now = [this] { return clock_.now(); };
    broker_ = std::make_unique<MemoryBroker>(std::move(options));
    broker_->set_event_handler(&handler_);
  }

  hub::StreamPosition publish_to(const std::string& channel, const hub::PublishOptions& options) {
    return publish(*broker_, make_publication(channel, "{}"), options);
  }

  FakeClock clock_;
  RecordingHandler handler_;
  std::unique_ptr<MemoryBroker> broker_;
};

TEST_F(MemoryBrokerTest, CompletionsRunBeforeTheCallReturns) {
  bool done = false;
  broker_->publish(make_publication("a", "{}"), publish_options(history_options(1)),
                   [&](hub::Result<hub::StreamPosition> r) { done = r.ok(); });
  EXPECT_TRUE(done);
  done = false;
  broker_->history("a", latest(1), history_options(1),
                   [&](hub::Result<hub::HistoryResult> r) { done = r.ok(); });
  EXPECT_TRUE(done);
}

TEST_F(MemoryBrokerTest, APublicationExpiresTtlAfterItWasPublished) {
  const auto options = history_options(10, 10s);
  const std::string epoch = publish_to("a", publish_options(options)).epoch;
  clock_.advance(5s);
  publish_to("a", publish_options(options));
  clock_.advance(5s - 1ns);
  EXPECT_EQ(offsets(history(*broker_, "a", latest(10), options).publications), (std::vector<uint64_t>{1, 2}));
  clock_.advance(1ns);  // exactly ttl after the first
  auto result = history(*broker_, "a", latest(10), options);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{2}));
  EXPECT_FALSE(history(*broker_, "a", since(0, epoch), options).since_available);
  EXPECT_TRUE(history(*broker_, "a", since(1, epoch), options).since_available);

  clock_.advance(5s);
  result = history(*broker_, "a", latest(10), options);
  EXPECT_TRUE(result.publications.empty());
  EXPECT_EQ(result.position.offset, 2u);  // the stream outlives its publications
  EXPECT_EQ(result.position.epoch, epoch);
  EXPECT_EQ(publish_to("a", publish_options(options)).offset, 3u);
}

TEST_F(MemoryBrokerTest, MetaTtlForgetsAnIdleStream) {
  const auto options = history_options(10, 0ms, 60s);
  const std::string epoch = publish_to("a", publish_options(options)).epoch;
  clock_.advance(59s);
  EXPECT_EQ(history(*broker_, "a", latest(0), options).position.epoch, epoch);  // a read is activity
  clock_.advance(59s);
  EXPECT_EQ(history(*broker_, "a", latest(0), options).position.epoch, epoch);
  clock_.advance(60s);

  const auto result = history(*broker_, "a", since(1, epoch), options);
  EXPECT_EQ(result.position.offset, 0u);
  EXPECT_NE(result.position.epoch, epoch);
  EXPECT_FALSE(result.since_available);
  const auto position = publish_to("a", publish_options(options));
  EXPECT_EQ(position.offset, 1u);
  EXPECT_EQ(position.epoch, result.position.epoch);
}

TEST_F(MemoryBrokerTest, PublishAfterMetaTtlStartsANewEpoch) {
  const auto options = history_options(10, 0ms, 60s);
  const auto first = publish_to("a", publish_options(options));
  clock_.advance(60s);
  const auto second = publish_to("a", publish_options(options));
  EXPECT_EQ(second.offset, 1u);
  EXPECT_NE(second.epoch, first.epoch);
}

TEST_F(MemoryBrokerTest, MetaTtlZeroNeverForgets) {
  const auto options = history_options(10, 0ms, 0ms);
  const std::string epoch = publish_to("a", publish_options(options)).epoch;
  clock_.advance(24h * 1000);
  broker_->sweep();
  const auto result = history(*broker_, "a", latest(10), options);
  EXPECT_EQ(result.position.epoch, epoch);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{1}));
}

TEST_F(MemoryBrokerTest, HugeTtlsMeanNeverRatherThanOverflow) {
  const auto options =
      history_options(10, std::chrono::milliseconds::max(), std::chrono::milliseconds::max());
  const std::string epoch = publish_to("a", publish_options(options)).epoch;
  add_presence(*broker_, "a", {"c1", "u1", ""}, std::chrono::milliseconds::max());
  clock_.advance(24h * 365);
  broker_->sweep();
  const auto result = history(*broker_, "a", latest(10), options);
  EXPECT_EQ(result.position.epoch, epoch);
  EXPECT_EQ(result.publications.size(), 1u);
  EXPECT_EQ(presence(*broker_, "a").size(), 1u);
}

TEST_F(MemoryBrokerTest, EachStreamAndEachBrokerHasItsOwnEpoch) {
  const auto options = publish_options(history_options(10));
  const std::string a = publish_to("a", options).epoch;
  const std::string b = publish_to("b", options).epoch;
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 8u);
  reset({});  // a process restart
  EXPECT_NE(publish_to("a", options).epoch, a);
}

TEST_F(MemoryBrokerTest, SinceInAnotherEpochReturnsFromTheOldestKept) {
  const auto options = history_options(3);
  for (int i = 0; i < 5; ++i) publish_to("a", publish_options(options));
  auto result = history(*broker_, "a", since(4, "other"), options);
  EXPECT_FALSE(result.since_available);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{3, 4, 5}));
  result = history(*broker_, "a", since(4, "other", 1), options);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{3}));
}

TEST_F(MemoryBrokerTest, LoweringTheSizeTrimsAtOnce) {
  for (int i = 0; i < 10; ++i) publish_to("a", publish_options(history_options(10)));
  const auto result = history(*broker_, "a", latest(10), history_options(3));
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{8, 9, 10}));
  EXPECT_EQ(offsets(history(*broker_, "a", latest(10), history_options(10)).publications),
            (std::vector<uint64_t>{8, 9, 10}));
  EXPECT_EQ(publish_to("a", publish_options(history_options(10))).offset, 11u);
}

TEST_F(MemoryBrokerTest, SizeZeroIgnoresAStreamFromAnEarlierConfiguration) {
  const std::string epoch = publish_to("a", publish_options(history_options(10))).epoch;
  EXPECT_EQ(publish_to("a", publish_options(history_options(0))).offset, 0u);
  const auto without = history(*broker_, "a", since(0, epoch), history_options(0));
  EXPECT_EQ(without.position.epoch, "");
  EXPECT_TRUE(without.publications.empty());
  const auto with = history(*broker_, "a", latest(10), history_options(10));
  EXPECT_EQ(with.position.epoch, epoch);
  EXPECT_EQ(offsets(with.publications), (std::vector<uint64_t>{1}));  // the size-0 one was not stored
}

TEST_F(MemoryBrokerTest, IdempotencyKeyLastsItsWindow) {
  const auto history = history_options(10);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 10s)).offset, 1u);
  clock_.advance(10s - 1ns);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 10s)).offset, 1u);
  clock_.advance(1ns);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 10s)).offset, 2u);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 10s)).offset, 2u);
}

TEST_F(MemoryBrokerTest, ZeroIdempotencyWindowRemembersNothing) {
  const auto history = history_options(10);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 0ms)).offset, 1u);
  EXPECT_EQ(publish_to("a", publish_options(history, "k", 0ms)).offset, 2u);
  EXPECT_EQ(broker_->idempotency_key_count(), 0u);
}

TEST_F(MemoryBrokerTest, IdempotencyCapEvictsTheOldestKeys) {
  MemoryBroker::Options options;
  options.max_idempotency_keys_per_shard = 4;
  reset(std::move(options));
  const auto history = history_options(100);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(publish_to("a", publish_options(history, "k" + std::to_string(i))).offset, uint64_t(i + 1));
  }
  EXPECT_EQ(broker_->idempotency_key_count(), 4u);                         // one channel: one shard
  EXPECT_EQ(publish_to("a", publish_options(history, "k9")).offset, 10u);  // still known
  EXPECT_EQ(publish_to("a", publish_options(history, "k6")).offset, 7u);
  EXPECT_EQ(publish_to("a", publish_options(history, "k5")).offset, 11u);  // evicted: published again
  EXPECT_EQ(broker_->idempotency_key_count(), 4u);
}

TEST_F(MemoryBrokerTest, ExpiredIdempotencyKeysAreSweptAway) {
  for (int i = 0; i < 100; ++i) {
    publish_to("ch" + std::to_string(i), publish_options(history_options(0), "k", 10s));
  }
  EXPECT_EQ(broker_->idempotency_key_count(), 100u);
  clock_.advance(10s);
  broker_->sweep();
  EXPECT_EQ(broker_->idempotency_key_count(), 0u);
}

// --- Memory follows live channels ---

TEST_F(MemoryBrokerTest, ChannelsWithNothingLeaveNoState) {
  subscribe(*broker_, "a");
  EXPECT_EQ(broker_->channel_count(), 1u);
  broker_->unsubscribe("a");
  broker_->unsubscribe("never-subscribed");
  EXPECT_EQ(broker_->channel_count(), 0u);

  add_presence(*broker_, "a", {"c1", "u1", ""}, 0ms);
  EXPECT_EQ(broker_->channel_count(), 1u);
  remove_presence(*broker_, "a", "c1");
  remove_presence(*broker_, "b", "c1");
  EXPECT_EQ(broker_->channel_count(), 0u);

  EXPECT_TRUE(presence(*broker_, "a").empty());
  presence_stats(*broker_, "a");
  publish_to("a", publish_options(history_options(0)));
  broker_->publish_join("a", {"c1", "u1", ""});
  broker_->publish_leave("a", {"c1", "u1", ""});
  history(*broker_, "a", latest(10), history_options(0));
  send_to_user(*broker_, "u1", make_publication("", "{}"));
  EXPECT_EQ(broker_->channel_count(), 0u);

  publish_to("a", publish_options(history_options(10)));
  EXPECT_EQ(broker_->channel_count(), 1u);
  remove_history(*broker_, "a");
  EXPECT_EQ(broker_->channel_count(), 0u);
}

TEST_F(MemoryBrokerTest, ASubscriptionKeepsNothingButItself) {
  subscribe(*broker_, "a");
  subscribe(*broker_, "a");  // a set, not a count
  publish_to("a", publish_options(history_options(10)));
  remove_history(*broker_, "a");
  EXPECT_EQ(broker_->channel_count(), 1u);
  broker_->unsubscribe("a");
  EXPECT_EQ(broker_->channel_count(), 0u);
}

TEST_F(MemoryBrokerTest, ExpiredPresenceIsReleasedWhenRead) {
  add_presence(*broker_, "a", {"c1", "u1", ""}, 10s);
  clock_.advance(10s);
  EXPECT_EQ(broker_->channel_count(), 1u);  // nobody looked yet
  EXPECT_TRUE(presence(*broker_, "a").empty());
  EXPECT_EQ(broker_->channel_count(), 0u);

  add_presence(*broker_, "b", {"c1", "u1", ""}, 10s);
  clock_.advance(10s);
  EXPECT_EQ(presence_stats(*broker_, "b").num_clients, 0u);
  EXPECT_EQ(broker_->channel_count(), 0u);
}

TEST_F(MemoryBrokerTest, SweepReleasesWhatExpiredUnobserved) {
  const auto options = history_options(10, 5s, 60s);
  for (int i = 0; i < 50; ++i) {
    const std::string channel = "ch" + std::to_string(i);
    publish_to(channel, publish_options(options));
    add_presence(*broker_, channel, {"c1", "u1", ""}, 30s);
  }
  EXPECT_EQ(broker_->channel_count(), 50u);
  clock_.advance(30s);
  broker_->sweep();
  EXPECT_EQ(broker_->channel_count(), 50u);  // publications and presence gone, streams kept
  clock_.advance(30s);
  broker_->sweep();
  EXPECT_EQ(broker_->channel_count(), 0u);
}

TEST_F(MemoryBrokerTest, ASweepRunsByItselfOnceTheIntervalHasPassed) {
  MemoryBroker::Options options;
  options.sweep_interval = 1s;
  reset(std::move(options));
  add_presence(*broker_, "a", {"c1", "u1", ""}, 1s);
  clock_.advance(2s);
  EXPECT_EQ(broker_->channel_count(), 1u);
  // Touches the shard of "a" but not its presence: only the shard's sweep can release it.
  publish_to("a", publish_options(history_options(0)));
  EXPECT_EQ(broker_->channel_count(), 0u);
}

// --- Deliveries ---

TEST_F(MemoryBrokerTest, NoHandlerMeansNoDeliveryAndNoFailure) {
  MemoryBroker broker;
  subscribe(broker, "a");
  EXPECT_EQ(publish(broker, make_publication("a", "{}"), publish_options(history_options(10))).offset, 1u);
  broker.publish_join("a", {"c1", "u1", ""});
  send_to_user(broker, "u1", make_publication("", "{}"));
}

TEST_F(MemoryBrokerTest, UserMessagesLoseTheirChannelAndOffset) {
  auto message = make_publication("stray", "{}");
  message.offset = 42;
  send_to_user(*broker_, "u1", message);
  const auto got = handler_.user_messages("u1");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message->channel, "");
  EXPECT_EQ(got[0].message->offset, 0u);
}

TEST_F(MemoryBrokerTest, DeliveredPublicationIsTheOneKeptInHistory) {
  subscribe(*broker_, "a");
  publish_to("a", publish_options(history_options(10)));
  const auto delivered = handler_.publications("a");
  const auto kept = history(*broker_, "a", latest(1), history_options(10)).publications;
  ASSERT_EQ(delivered.size(), 1u);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(delivered[0].get(), kept[0].get());  // shared, not copied
}

}  // namespace
}  // namespace wshub::broker
