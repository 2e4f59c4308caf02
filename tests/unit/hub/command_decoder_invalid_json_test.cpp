// Frames that are not valid JSON, wherever the fault is (an ignored field, a payload, a
// later batch element): exactly one error and no command, because payloads are
// forwarded verbatim and the decoder must not pass on what it did not check.
#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "hub/CommandDecoder.h"

namespace wshub::hub {
namespace {

class InvalidJson : public testing::TestWithParam<std::string> {};

TEST_P(InvalidJson, OneErrorAndNoCommand) {
  const auto events = test::decode_json(GetParam());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ok);
  EXPECT_EQ(events[0].code, ErrorCode::bad_request);
  EXPECT_EQ(events[0].id, std::nullopt);
  EXPECT_TRUE(events[0].message.starts_with("frame: invalid JSON")) << events[0].message;
}

const char kPublish[] = R"({"type":"publish","id":1,"channel":"c","payload":)";

INSTANTIATE_TEST_SUITE_P(
    Frames, InvalidJson,
    testing::Values(
        // the frame itself
        "", " ", "{", "}", "[", "]", "[{}", "{\"type\":\"ping\"", "{\"type\":\"ping\"}}",
        "{\"type\":\"ping\"} x", "{\"type\":\"ping\"}{}", "{\"type\":\"ping\",}", "{'type':'ping'}",
        "{type:\"ping\"}", "{\"type\" \"ping\"}", "{\"type\":\"ping\" \"id\":1}",
        "[{\"type\":\"ping\"} {\"type\":\"ping\"}]", "[{\"type\":\"ping\"},]",
        std::string("{\"type\":\"ping\"}\0", 16), "\xef\xbb\xbf{\"type\":\"ping\"}",
        // in an ignored field
        R"({"type":"ping","x":tru})", R"({"type":"ping","x":nul})", R"({"type":"ping","x":nulll})",
        R"({"type":"ping","x":falsey})", R"({"type":"ping","x":[1,}})", R"({"type":"ping","x":[1 2]})",
        R"({"type":"ping","x":{"a" 1}})", R"({"type":"ping","x":{"a":1,}})", R"({"type":"ping","x":"\q"})",
        R"({"type":"ping","x":"\u12"})", R"({"type":"ping","x":"\ud800"})", R"({"type":"ping","x":01})",
        R"({"type":"ping","x":1.})", R"({"type":"ping","x":.5})", R"({"type":"ping","x":+1})",
        R"({"type":"ping","x":-})", R"({"type":"ping","x":0x10})", R"({"type":"ping","x":NaN})",
        R"({"type":"ping","x":[[[[[[]]]]]})", R"({"type":"ping","x\q":1})",
        "{\"type\":\"ping\",\"x\":\"a\x01"
        "b\"}",
        "{\"type\":\"ping\",\"x\":\"a\x1f"
        "b\"}",
        "{\"type\":\"ping\",\"x\":\"\xff\"}", "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}",
        "{\"type\":\"ping\",\"x\":\"\xed\xa0\x80\"}",
        // in a payload
        std::string(kPublish) + R"({"a":[1,2,}})", std::string(kPublish) + R"("\ud800"})",
        std::string(kPublish) + "[1 2]}", std::string(kPublish) + "-}", std::string(kPublish) + "tru}",
        std::string(kPublish) + R"({"a":1 "b":2}})", std::string(kPublish) + R"({"a"})",
        std::string(kPublish) + "\"\t\"}", std::string(kPublish) + R"([1,{"x":[}]]})",
        std::string(kPublish) + "}", std::string(kPublish) + R"("open})",
        // in a field of the wrong type, which is still read through
        R"({"type":"subscribe","channel":[1,}})", R"({"type":"ping","id":{"a":tru}})",
        R"({"type":"subscribe","channel":"c","recover":{"offset":1,"epoch":"e","x":[,]}})",
        // in a later element of a batch: the good ones before it are not reported either
        R"([{"type":"ping","id":1},{"type":"ping","x":fals}])", R"([{"type":"ping","id":1},{"type":"ping"])",
        R"([{"type":"ping","id":1},{"type":"ping"}]])", R"([{"type":"ping","id":1},5 6])",
        R"([{"type":"ping","id":1},tru])", R"([{"type":"ping","id":1},{"type":"ping","id":1},[1,]])"));

class BadNumber : public testing::TestWithParam<std::string> {};

TEST_P(BadNumber, IsAFrameError) {
  const auto events = test::decode_json(GetParam());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ok);
  EXPECT_EQ(events[0].message, "frame: invalid JSON: a number is malformed or does not fit 64 bits");
}

// Valid JSON grammar, but no 64-bit integer or finite double holds them: they could not
// be converted for MessagePack subscribers, so they are refused like malformed numbers.
INSTANTIATE_TEST_SUITE_P(HugeNumbers, BadNumber,
                         testing::Values(R"({"type":"ping","x":1e400})", R"({"type":"ping","x":-1e400})",
                                         R"({"type":"ping","id":18446744073709551616})",
                                         R"({"type":"ping","x":-9223372036854775809})",
                                         R"({"type":"ping","x":123456789012345678901234567890})",
                                         std::string(kPublish) + "[1,2,99999999999999999999]}"));

TEST(InvalidJsonDepth, DeepGarbageIsRefusedWithoutRecursingThroughIt) {
  // 100000 levels: far beyond the frame limit; must not exhaust the stack.
  const std::string deep =
      R"({"type":"ping","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto events = test::decode_json(deep);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "frame: nested deeper than 128 levels");
  const std::string unbalanced = R"({"type":"ping","x":)" + std::string(100000, '[') + "}";
  EXPECT_EQ(test::decode_json(unbalanced).size(), 1u);
}

TEST(InvalidJsonRecovery, DecoderWorksAfterAnError) {
  CommandDecoder decoder;
  EXPECT_EQ(test::decode_with(decoder, Encoding::json, R"({"type":"ping","x":tru})").size(), 1u);
  auto events = test::decode_with(decoder, Encoding::json, R"({"type":"ping","id":4})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].ok);
  EXPECT_EQ(events[0].id, 4u);
}

}  // namespace
}  // namespace wshub::hub
