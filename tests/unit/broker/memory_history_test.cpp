#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "broker/MemoryHistory.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart{std::chrono::hours(1)};

hub::HistoryOptions options(size_t size, std::chrono::milliseconds ttl = 0ms) {
  hub::HistoryOptions o;
  o.size = size;
  o.ttl = ttl;
  o.meta_ttl = 60s;
  return o;
}

void append(MemoryHistory& history, Clock::time_point now, const hub::HistoryOptions& o) {
  history.touch(o, now);
  auto publication = std::make_shared<hub::Publication>();
  publication->offset = history.next_offset();
  history.append(std::move(publication), now);
}

std::vector<uint64_t> offsets(const hub::HistoryResult& result) {
  std::vector<uint64_t> out;
  for (const auto& p : result.publications) out.push_back(p->offset);
  return out;
}

hub::HistoryFilter since(uint64_t offset, std::string epoch, size_t limit = hub::HistoryFilter::kNoLimit) {
  hub::HistoryFilter filter;
  filter.since = hub::StreamPosition{offset, std::move(epoch)};
  filter.limit = limit;
  return filter;
}

TEST(MemoryHistoryTest, ANewStreamIsEmptyAtOffsetZero) {
  MemoryHistory history("e1", options(5), kStart);
  EXPECT_EQ(history.top(), 0u);
  EXPECT_EQ(history.oldest_offset(), 1u);
  const auto result = history.read(since(0, "e1"));
  EXPECT_TRUE(result.since_available);
  EXPECT_TRUE(result.publications.empty());
  EXPECT_EQ(result.position.epoch, "e1");
}

TEST(MemoryHistoryTest, OldestOffsetFollowsTrimming) {
  MemoryHistory history("e1", options(3), kStart);
  for (int i = 0; i < 7; ++i) append(history, kStart, options(3));
  EXPECT_EQ(history.top(), 7u);
  EXPECT_EQ(history.kept(), 3u);
  EXPECT_EQ(history.oldest_offset(), 5u);
  EXPECT_FALSE(history.read(since(3, "e1")).since_available);
  EXPECT_TRUE(history.read(since(4, "e1")).since_available);
  EXPECT_EQ(offsets(history.read(since(4, "e1", 2))), (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(offsets(history.read(since(6, "e1"))), (std::vector<uint64_t>{7}));
}

TEST(MemoryHistoryTest, ExpiredPublicationsLeaveTheTopAlone) {
  MemoryHistory history("e1", options(10, 1s), kStart);
  append(history, kStart, options(10, 1s));
  append(history, kStart + 500ms, options(10, 1s));
  history.expire(kStart + 1s);
  EXPECT_EQ(history.kept(), 1u);
  EXPECT_EQ(history.oldest_offset(), 2u);
  history.expire(kStart + 1500ms);
  EXPECT_EQ(history.kept(), 0u);
  EXPECT_EQ(history.top(), 2u);
  EXPECT_EQ(history.oldest_offset(), 3u);
  EXPECT_TRUE(history.read(since(2, "e1")).since_available);
  EXPECT_FALSE(history.read(since(1, "e1")).since_available);
}

TEST(MemoryHistoryTest, ActivityPostponesForgetting) {
  MemoryHistory history("e1", options(10), kStart);
  EXPECT_FALSE(history.forgotten(kStart + 59s));
  EXPECT_TRUE(history.forgotten(kStart + 60s));
  history.touch(options(10), kStart + 30s);
  EXPECT_FALSE(history.forgotten(kStart + 89s));
  EXPECT_TRUE(history.forgotten(kStart + 90s));
}

}  // namespace
}  // namespace wshub::broker
