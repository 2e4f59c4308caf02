#include <gtest/gtest.h>

#include <string>

#include "hub/ChannelName.h"

namespace wshub::hub {
namespace {

struct Valid {
  const char* channel;
  const char* ns;
  const char* name;
};

class ValidChannel : public testing::TestWithParam<Valid> {};

TEST_P(ValidChannel, Splits) {
  const Valid& v = GetParam();
  ChannelName out{"stale", "stale"};
  ASSERT_TRUE(parse_channel_name(v.channel, out)) << v.channel;
  EXPECT_EQ(out.namespace_name, v.ns);
  EXPECT_EQ(out.name, v.name);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidChannel,
    testing::Values(Valid{"news", "", "news"}, Valid{"a", "", "a"}, Valid{"chat:room", "chat", "room"},
                    Valid{"chat:a:b", "chat", "a:b"}, Valid{"Ns_1-x:y", "Ns_1-x", "y"},
                    Valid{"ns::", "ns", ":"}, Valid{"user.42/feed", "", "user.42/feed"},
                    Valid{"a!$%&'()+,-./;<=>?@[]^_`{|}~", "", "a!$%&'()+,-./;<=>?@[]^_`{|}~"},
                    Valid{"x:$", "x", "$"}));

class InvalidChannel : public testing::TestWithParam<std::string> {};

TEST_P(InvalidChannel, IsRefused) {
  ChannelName out;
  EXPECT_FALSE(parse_channel_name(GetParam(), out)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Table, InvalidChannel,
                         testing::Values("", " ", "a b", "a\tb", "a\"b", "a\\b", "a*", "a#b", ":name",
                                         "ns:", ":", "n.s:x", "n s:x", "ns*:x", "a\x7f", "a\x01",
                                         "caf\xc3\xa9", std::string("a\0b", 3), std::string(256, 'a'),
                                         "ns:" + std::string(253, 'a')));

TEST(ChannelName, LengthLimit) {
  ChannelName out;
  EXPECT_TRUE(parse_channel_name(std::string(kMaxChannelLength, 'a'), out));
  EXPECT_FALSE(parse_channel_name(std::string(kMaxChannelLength + 1, 'a'), out));
  EXPECT_TRUE(parse_channel_name("abcd", out, 4));
  EXPECT_FALSE(parse_channel_name("abcde", out, 4));
}

TEST(ChannelName, EveryByteAlone) {
  for (int c = 0; c < 256; ++c) {
    const std::string channel(1, static_cast<char>(c));
    const bool expected = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '*' && c != '#' && c != ':';
    ChannelName out;
    EXPECT_EQ(parse_channel_name(channel, out), expected) << c;
  }
}

}  // namespace
}  // namespace wshub::hub
