#include "api/ChannelPattern.h"

#include <gtest/gtest.h>

#include <string>

namespace wshub::api {
namespace {

TEST(ChannelPattern, Literals) {
  EXPECT_TRUE(channel_matches("news", "news"));
  EXPECT_FALSE(channel_matches("news", "news2"));
  EXPECT_FALSE(channel_matches("news2", "news"));
  EXPECT_TRUE(channel_matches("", ""));
  EXPECT_FALSE(channel_matches("", "a"));
}

TEST(ChannelPattern, Star) {
  EXPECT_TRUE(channel_matches("*", ""));
  EXPECT_TRUE(channel_matches("*", "anything:at:all"));
  EXPECT_TRUE(channel_matches("chat:*", "chat:"));
  EXPECT_TRUE(channel_matches("chat:*", "chat:room:1"));
  EXPECT_FALSE(channel_matches("chat:*", "chatroom"));
  EXPECT_TRUE(channel_matches("*:lobby", "chat:lobby"));
  EXPECT_TRUE(channel_matches("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(channel_matches("a*b*c", "abbbc"));
  EXPECT_FALSE(channel_matches("a*b*c", "aXXbYY"));
  EXPECT_TRUE(channel_matches("**", "x"));
}

TEST(ChannelPattern, QuestionMark) {
  EXPECT_TRUE(channel_matches("room?", "room1"));
  EXPECT_FALSE(channel_matches("room?", "room"));
  EXPECT_FALSE(channel_matches("room?", "room12"));
  EXPECT_TRUE(channel_matches("?*", "x"));
  EXPECT_FALSE(channel_matches("?*", ""));
}

// A pattern built to make naive recursive backtracking exponential (it would not finish
// within the test's timeout); one backtrack point keeps it O(pattern x channel).
TEST(ChannelPattern, AdversarialPatternFinishes) {
  std::string channel(10'000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "a*";
  EXPECT_FALSE(channel_matches(pattern + "b", channel));
  EXPECT_TRUE(channel_matches(pattern, channel));
}

}  // namespace
}  // namespace wshub::api
