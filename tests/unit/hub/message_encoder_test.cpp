#include <gtest/gtest.h>

#include "encoder_scenarios.h"
#include "hub/MessageEncoder.h"

namespace wshub::hub {
namespace {

class EncodeJson : public testing::TestWithParam<test::Scenario> {};

TEST_P(EncodeJson, ExactText) {
  const MessageEncoder encoder(Encoding::json);
  std::string out;
  GetParam().write(encoder, out);
  EXPECT_EQ(out, GetParam().json);
}

TEST_P(EncodeJson, Appends) {
  const MessageEncoder encoder(Encoding::json);
  std::string out = "[";
  GetParam().write(encoder, out);
  GetParam().write(encoder, out);
  EXPECT_EQ(out, "[" + GetParam().json + GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(Methods, EncodeJson, testing::ValuesIn(test::encoder_scenarios()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(EncodeJson, InvalidUtf8InIdsIsReplaced) {
  std::string out;
  MessageEncoder(Encoding::json).connected(out, std::nullopt, "c\xff", "\xc3");
  EXPECT_EQ(out, R"({"type":"connected","client":"c\ufffd","user":"\ufffd"})");
}

TEST(EncodeJson, PayloadThatDoesNotConvertBecomesNull) {
  // Never produced by a payload the decoder accepted; the message stays well formed.
  std::string out;
  MessageEncoder(Encoding::json)
      .publication(out, *test::make_publication("c", 0, "", test::msgpack_payload("\xc1"), std::nullopt));
  EXPECT_EQ(out, R"({"type":"message","channel":"c","payload":null})");
}

TEST(EncodeJson, JsonPayloadsAreCopiedAsTheyAre) {
  std::string out;
  MessageEncoder(Encoding::json)
      .publication(out, *test::make_publication("c", 0, "", test::json_payload("[1, 2.50]"), std::nullopt));
  EXPECT_EQ(out, R"({"type":"message","channel":"c","payload":[1, 2.50]})");
}

}  // namespace
}  // namespace wshub::hub
