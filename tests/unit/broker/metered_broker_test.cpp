// MeteredBroker: transparent (the whole conformance suite runs through it) and exact (every
// call counted once, failed completions counted as errors, every completion timed).
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "broker/MemoryBroker.h"
#include "broker/MeteredBroker.h"
#include "broker_conformance.h"

namespace wshub::broker {

namespace conformance {
namespace {
INSTANTIATE_TEST_SUITE_P(
    Metered, BrokerConformance,
    ::testing::Values(BrokerUnderTest{"metered_memory",
                                      [] { return std::make_unique<MeteredBroker>(std::make_unique<MemoryBroker>()); }}),
    [](const ::testing::TestParamInfo<BrokerUnderTest>& info) { return info.param.name; });
}  // namespace
}  // namespace conformance

namespace {

// A broker whose calls fail: what a network broker does while its service is down.
class DownBroker final : public hub::Broker {
 public:
  hub::Error down() const { return hub::Error{503, "down"}; }
  void set_event_handler(hub::BrokerEventHandler*) override {}
  void subscribe(const std::string&, hub::Completion<hub::Unit> done) override { done(down()); }
  void unsubscribe(const std::string&) override {}
  void publish(hub::Publication, const hub::PublishOptions&, hub::Completion<hub::StreamPosition> done) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // lands in a bucket above 1 ms
    done(down());
  }
  void publish_join(const std::string&, const hub::ClientInfo&) override {}
  void publish_leave(const std::string&, const hub::ClientInfo&) override {}
  void send_to_user(const std::string&, hub::Publication, hub::Completion<hub::Unit> done) override {
    done(down());
  }
  void send_user_command(const hub::UserCommand&, hub::Completion<hub::Unit> done) override { done(down()); }
  void history(const std::string&, const hub::HistoryFilter&, const hub::HistoryOptions&,
               hub::Completion<hub::HistoryResult> done) override {
    done(down());
  }
  void remove_history(const std::string&, hub::Completion<hub::Unit> done) override { done(down()); }
  void add_presence(const std::string&, const hub::ClientInfo&, std::chrono::milliseconds,
                    hub::Completion<hub::Unit> done) override {
    done(down());
  }
  void remove_presence(const std::string&, const std::string&, hub::Completion<hub::Unit> done) override {
    done(down());
  }
  void presence(const std::string&, hub::Completion<std::vector<hub::ClientInfo>> done) override { done(down()); }
  void presence_stats(const std::string&, hub::Completion<hub::PresenceStats> done) override { done(down()); }
  bool connected() const override { return false; }
};

hub::Publication publication(std::string channel) {
  hub::Publication p;
  p.channel = std::move(channel);
  p.payload = hub::Payload{hub::Encoding::json, "{}"};
  return p;
}

TEST(MeteredBroker, CountsCallsAndTimesCompletions) {
  MeteredBroker broker(std::make_unique<MemoryBroker>());
  int completed = 0;
  for (int i = 0; i < 5; ++i) {
    broker.publish(publication("a"), {}, [&](hub::Result<hub::StreamPosition> r) {
      EXPECT_TRUE(r.ok());
      ++completed;
    });
  }
  broker.subscribe("a", [&](hub::Result<hub::Unit> r) { EXPECT_TRUE(r.ok()); });
  broker.unsubscribe("a");
  broker.send_to_user("u", publication(""), {});  // no completion wanted: still counted
  EXPECT_EQ(completed, 5);
  MeteredBroker::OperationStats publish = broker.stats(BrokerOperation::publish);
  EXPECT_EQ(publish.calls, 5u);
  EXPECT_EQ(publish.errors, 0u);
  EXPECT_EQ(publish.latency.count(), 5u);
  EXPECT_EQ(broker.stats(BrokerOperation::subscribe).calls, 1u);
  EXPECT_EQ(broker.stats(BrokerOperation::unsubscribe).calls, 1u);
  EXPECT_EQ(broker.stats(BrokerOperation::unsubscribe).latency.count(), 0u);  // nothing to time
  EXPECT_EQ(broker.stats(BrokerOperation::send_to_user).calls, 1u);
  EXPECT_EQ(broker.stats(BrokerOperation::history).calls, 0u);
  EXPECT_TRUE(broker.connected());
}

TEST(MeteredBroker, FailedCompletionsAreErrorsAndConnectedIsPassedThrough) {
  MeteredBroker broker(std::make_unique<DownBroker>());
  EXPECT_FALSE(broker.connected());
  int failed = 0;
  broker.publish(publication("a"), {}, [&](hub::Result<hub::StreamPosition> r) { failed += !r.ok(); });
  broker.history("a", {}, {}, [&](hub::Result<hub::HistoryResult> r) { failed += !r.ok(); });
  broker.presence("a", [&](auto r) { failed += !r.ok(); });
  EXPECT_EQ(failed, 3);
  MeteredBroker::OperationStats publish = broker.stats(BrokerOperation::publish);
  EXPECT_EQ(publish.calls, 1u);
  EXPECT_EQ(publish.errors, 1u);
  ASSERT_EQ(publish.latency.count(), 1u);
  // 2 ms of sleep: not in the buckets up to 1 ms, and the sum says at least 2 ms.
  EXPECT_EQ(publish.latency.counts[0] + publish.latency.counts[1] + publish.latency.counts[2] +
                publish.latency.counts[3],
            0u);
  EXPECT_GE(publish.latency.sum_nanos, 2'000'000u);
  EXPECT_EQ(broker.stats(BrokerOperation::history).errors, 1u);
  EXPECT_EQ(broker.stats(BrokerOperation::presence).errors, 1u);
}

TEST(MeteredBroker, CountsFromManyThreadsAddUp) {
  MeteredBroker broker(std::make_unique<MemoryBroker>());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) broker.publish(publication("c"), {}, [](auto) {});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(broker.stats(BrokerOperation::publish).calls, 4000u);
  EXPECT_EQ(broker.stats(BrokerOperation::publish).latency.count(), 4000u);
}

TEST(MeteredBroker, EveryOperationHasAName) {
  for (size_t i = 0; i < kBrokerOperations; ++i) {
    EXPECT_NE(operation_name(static_cast<BrokerOperation>(i)), "unknown") << i;
  }
}

}  // namespace
}  // namespace wshub::broker
