// The stream replies as Redis 7 sends them, fed through hiredis' own reader (RESP2 bytes).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "broker/RedisStreamReply.h"

namespace wshub::broker {
namespace {

using ReplyPtr = std::unique_ptr<redisReply, void (*)(void*)>;

ReplyPtr parse(const std::string& resp) {
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(redisReaderCreate(), redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK);
  EXPECT_NE(reply, nullptr);
  return ReplyPtr(static_cast<redisReply*>(reply), freeReplyObject);
}

TEST(RedisStreamReply, ReadOfTwoEntries) {
  auto reply = parse(
      "*1\r\n*2\r\n$3\r\napi\r\n*2\r\n"
      "*2\r\n$3\r\n1-0\r\n*2\r\n$7\r\ncommand\r\n$2\r\n{}\r\n"
      "*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$7\r\ncommand\r\n$3\r\n[1]\r\n");
  std::vector<StreamEntry> entries;
  ASSERT_TRUE(parse_stream_read(*reply, entries));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, "1-0");
  EXPECT_EQ(entries[0].field("command"), "{}");
  EXPECT_EQ(entries[1].id, "2-0");
  EXPECT_EQ(entries[1].field("a"), "b");
  EXPECT_EQ(entries[1].field("command"), "[1]");
  EXPECT_FALSE(entries[1].field("missing"));
  EXPECT_FALSE(entries[1].deleted);
}

TEST(RedisStreamReply, BlockTimeoutIsNoEntries) {
  auto reply = parse("*-1\r\n");
  std::vector<StreamEntry> entries;
  ASSERT_TRUE(parse_stream_read(*reply, entries));
  EXPECT_TRUE(entries.empty());
}

TEST(RedisStreamReply, PendingEntryDeletedMeanwhile) {
  auto reply = parse("*1\r\n*2\r\n$3\r\napi\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*-1\r\n");
  std::vector<StreamEntry> entries;
  ASSERT_TRUE(parse_stream_read(*reply, entries));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, "5-1");
  EXPECT_TRUE(entries[0].deleted);
}

TEST(RedisStreamReply, OtherShapesAreRefused) {
  std::vector<StreamEntry> entries;
  EXPECT_FALSE(parse_stream_read(*parse("-NOGROUP No such key\r\n"), entries));
  EXPECT_FALSE(parse_stream_read(*parse(":1\r\n"), entries));
  // An odd number of field/value items.
  EXPECT_FALSE(parse_stream_read(
      *parse("*1\r\n*2\r\n$3\r\napi\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*1\r\n$1\r\na\r\n"), entries));
}

TEST(RedisStreamReply, AutoclaimWithCursorAndDeletedIds) {
  auto reply = parse(
      "*3\r\n$3\r\n9-0\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$7\r\ncommand\r\n$2\r\n{}\r\n*1\r\n$3\r\n4-0\r\n");
  StreamClaim claim;
  ASSERT_TRUE(parse_stream_claim(*reply, claim));
  EXPECT_EQ(claim.next_cursor, "9-0");
  ASSERT_EQ(claim.entries.size(), 1u);
  EXPECT_EQ(claim.entries[0].id, "3-0");
}

TEST(RedisStreamReply, AutoclaimCompleteAndEmpty) {
  StreamClaim claim;
  ASSERT_TRUE(parse_stream_claim(*parse("*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n"), claim));
  EXPECT_EQ(claim.next_cursor, "0-0");
  EXPECT_TRUE(claim.entries.empty());
  EXPECT_FALSE(parse_stream_claim(*parse("*0\r\n"), claim));
}

}  // namespace
}  // namespace wshub::broker
