// RedisStreamIngest against a real redis-server (tests/unit/broker/redis_server.h), publishing
// through a real ServerApi, Hub and MemoryBroker: entries become publications in stream order
// and are acknowledged; nothing is read while the broker says it cannot publish.
#include "server/RedisStreamIngest.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "../broker/redis_server.h"
#include "api/ServerApi.h"
#include "broker/MemoryBroker.h"

namespace wshub::server {
namespace {

using namespace std::chrono_literals;

class RedisStreamIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = broker::testing::shared_redis_server();
    if (!redis_) GTEST_SKIP() << "redis-server is not installed (scripts/install-deps.sh)";
    hub::NamespaceOptions channels;
    channels.history_size = 100;
    channels.history_ttl = std::chrono::minutes(1);
    hub::HubOptions options;
    options.namespaces = hub::NamespaceTable(channels);
    hub_ = std::make_unique<hub::Hub>(options, broker_, nullptr);
    api_ = std::make_unique<api::ServerApi>(*hub_, nullptr);
    redis_context_ = redisConnect("127.0.0.1", redis_->port());
    ASSERT_TRUE(redis_context_ && !redis_context_->err);
    stream_ = "unit:" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    ingest_.reset();
    if (redis_context_) redisFree(redis_context_);
  }

  void start(RedisStreamIngest::Publishable publishable) {
    RedisStreamIngestOptions options;
    options.address = redis_->address();
    options.stream = stream_;
    options.consumer = "unit";
    options.block = 100ms;
    ingest_ = std::make_unique<RedisStreamIngest>(options, *api_, std::move(publishable));
    ingest_->start();
  }

  void add(const std::string& command) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(redis_context_, "XADD %s * command %b", stream_.c_str(), command.data(), command.size()));
    ASSERT_TRUE(reply && reply->type == REDIS_REPLY_STRING);
    freeReplyObject(reply);
  }

  long long pending() {
    auto* reply = static_cast<redisReply*>(redisCommand(redis_context_, "XPENDING %s wshub", stream_.c_str()));
    long long n = reply && reply->type == REDIS_REPLY_ARRAY ? reply->element[0]->integer : -1;
    freeReplyObject(reply);
    return n;
  }

  std::vector<std::string> history(const std::string& channel) {
    std::promise<std::vector<std::string>> out;
    hub::HistoryFilter filter;
    filter.limit = hub::HistoryFilter::kNoLimit;
    hub_->history(channel, filter, [&](hub::Result<hub::HistoryResult> r) {
      std::vector<std::string> payloads;
      if (r) {
        for (const auto& p : r->publications) payloads.push_back(p->payload.bytes);
      }
      out.set_value(payloads);
    });
    return out.get_future().get();
  }

  template <typename F>
  bool eventually(F f, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return f();
  }

  broker::testing::RedisServer* redis_ = nullptr;
  broker::MemoryBroker broker_;
  std::unique_ptr<hub::Hub> hub_;
  std::unique_ptr<api::ServerApi> api_;
  std::unique_ptr<RedisStreamIngest> ingest_;
  redisContext* redis_context_ = nullptr;
  std::string stream_;
};

TEST_F(RedisStreamIngestTest, EntriesArePublishedInOrderAndAcknowledged) {
  start(nullptr);
  for (int i = 1; i <= 5; ++i) add(R"({"channel":"c","payload":)" + std::to_string(i) + "}");
  add("not json");
  add(R"({"channel":"c","payload":6})");
  EXPECT_TRUE(eventually([&] { return history("c").size() == 6; }));
  EXPECT_EQ(history("c"), (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_TRUE(eventually([&] { return pending() == 0; }));
  EXPECT_TRUE(eventually([&] { return ingest_->counters().published.load() == 6; }));
  EXPECT_EQ(ingest_->counters().rejected.load(), 1u);
  EXPECT_TRUE(ingest_->connected());
}

TEST_F(RedisStreamIngestTest, NothingIsReadWhileTheBrokerCannotPublish) {
  std::atomic<bool> publishable{false};
  start([&] { return publishable.load(); });
  add(R"({"channel":"d","payload":1})");
  ASSERT_TRUE(eventually([&] { return ingest_->connected(); }));
  std::this_thread::sleep_for(300ms);  // several read opportunities, none taken
  EXPECT_TRUE(history("d").empty());
  EXPECT_EQ(pending(), 0);  // not even read: still for any node of the group
  publishable = true;
  EXPECT_TRUE(eventually([&] { return history("d").size() == 1; }));
}

TEST_F(RedisStreamIngestTest, StopLeavesNothingRunning) {
  start(nullptr);
  add(R"({"channel":"e","payload":1})");
  EXPECT_TRUE(eventually([&] { return history("e").size() == 1; }));
  ingest_->stop();
  ingest_->stop();
  EXPECT_FALSE(ingest_->connected());
}

}  // namespace
}  // namespace wshub::server
