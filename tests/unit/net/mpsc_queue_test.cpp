#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "net/MpscQueue.h"

#if defined(__SANITIZE_THREAD__)
#define WSHUB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WSHUB_TSAN 1
#endif
#endif

namespace wshub::net {
namespace {

TEST(MpscQueueTest, CapacityIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(MpscQueue<int>(0).capacity(), 2u);
  EXPECT_EQ(MpscQueue<int>(1).capacity(), 2u);
  EXPECT_EQ(MpscQueue<int>(3).capacity(), 4u);
  EXPECT_EQ(MpscQueue<int>(1000).capacity(), 1024u);
  EXPECT_EQ(MpscQueue<int>(1024).capacity(), 1024u);
}

TEST(MpscQueueTest, FifoAcrossManyLaps) {
  MpscQueue<int> queue(4);
  EXPECT_TRUE(queue.empty_approx());
  int out = -1;
  EXPECT_FALSE(queue.try_pop(out));
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < round % 5; ++i) {
      int v = next_in;
      if (queue.try_push(std::move(v))) ++next_in;
    }
    EXPECT_EQ(queue.empty_approx(), next_in == next_out);
    while (queue.try_pop(out)) EXPECT_EQ(out, next_out++);
  }
  EXPECT_EQ(next_in, next_out);
  EXPECT_GT(next_out, 100);
}

TEST(MpscQueueTest, FullQueueRejectsAndLeavesTheValueUntouched) {
  MpscQueue<std::unique_ptr<int>> queue(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.try_push(std::make_unique<int>(i)));
  auto extra = std::make_unique<int>(99);
  EXPECT_FALSE(queue.try_push(std::move(extra)));
  ASSERT_NE(extra, nullptr);  // the caller still owns it: retry, drop or count
  EXPECT_EQ(*extra, 99);

  std::unique_ptr<int> out;
  ASSERT_TRUE(queue.try_pop(out));
  EXPECT_EQ(*out, 0);
  EXPECT_TRUE(queue.try_push(std::move(extra)));
  EXPECT_EQ(extra, nullptr);
  for (int expected : {1, 2, 3, 99}) {
    ASSERT_TRUE(queue.try_pop(out));
    EXPECT_EQ(*out, expected);
  }
  EXPECT_FALSE(queue.try_pop(out));
}

TEST(MpscQueueTest, HoldsMoveOnlyCallables) {
  MpscQueue<std::function<int()>> queue(8);
  auto owned = std::make_shared<int>(7);
  EXPECT_TRUE(queue.try_push([owned] { return *owned * 6; }));
  std::function<int()> task;
  ASSERT_TRUE(queue.try_pop(task));
  EXPECT_EQ(task(), 42);
}

TEST(MpscQueueTest, DestructorDestroysQueuedValues) {
  auto tracker = std::make_shared<int>(0);
  {
    MpscQueue<std::shared_ptr<int>> queue(8);
    for (int i = 0; i < 5; ++i) {
      auto copy = tracker;
      ASSERT_TRUE(queue.try_push(std::move(copy)));
    }
    std::shared_ptr<int> out;
    ASSERT_TRUE(queue.try_pop(out));
    EXPECT_EQ(tracker.use_count(), 6);
  }
  EXPECT_EQ(tracker.use_count(), 1);
}

// Producers encode (producer, sequence); the single consumer checks that each producer's values
// arrive in order, none lost or duplicated. Run under TSan for the memory-ordering proof.
void run_producers(size_t capacity, int producers, uint64_t per_producer) {
  MpscQueue<uint64_t> queue(capacity);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&queue, p, per_producer] {
      for (uint64_t i = 0; i < per_producer; ++i) {
        uint64_t value = (uint64_t(p) << 32) | i;
        while (!queue.try_push(std::move(value))) std::this_thread::yield();
      }
    });
  }
  std::vector<uint64_t> next(producers, 0);
  uint64_t received = 0;
  const uint64_t total = per_producer * producers;
  uint64_t value = 0;
  while (received < total) {
    if (!queue.try_pop(value)) {
      std::this_thread::yield();
      continue;
    }
    auto p = static_cast<size_t>(value >> 32);
    ASSERT_LT(p, next.size());
    ASSERT_EQ(value & 0xffffffffu, next[p]) << "producer " << p << " out of order";
    ++next[p];
    ++received;
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(queue.try_pop(value));
  EXPECT_TRUE(queue.empty_approx());
  for (uint64_t n : next) EXPECT_EQ(n, per_producer);
}

#ifdef WSHUB_TSAN
constexpr uint64_t kItems = 100'000;
#else
constexpr uint64_t kItems = 1'000'000;
#endif

TEST(MpscQueueTest, FourProducersPreserveOrderPerProducer) {
  run_producers(1024, 4, kItems);
}

TEST(MpscQueueTest, FourProducersOnATinyQueueHitFullConstantly) {
  run_producers(2, 4, kItems / 10);
}

}  // namespace
}  // namespace wshub::net
