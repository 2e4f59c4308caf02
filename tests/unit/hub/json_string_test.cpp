#include <gtest/gtest.h>

#include "hub/Base64.h"
#include "hub/JsonString.h"

namespace wshub::hub {
namespace {

std::string as_json(std::string_view s) {
  std::string out = "prefix";
  append_json_string(out, s);
  return out.substr(6);
}

TEST(JsonString, Escapes) {
  EXPECT_EQ(as_json(""), R"("")");
  EXPECT_EQ(as_json("plain"), R"("plain")");
  EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(as_json(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(as_json("/\x7f"), "\"/\x7f\"");  // neither needs escaping
  EXPECT_EQ(as_json("</script>"), R"("</script>")");
}

TEST(JsonString, Utf8PassesThrough) {
  EXPECT_EQ(as_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(as_json("\xef\xbf\xbf\xf4\x8f\xbf\xbf"), "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");  // U+FFFF, U+10FFFF
}

TEST(JsonString, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(as_json("a\xff"
                    "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(as_json("\xc3"), R"("\ufffd")");                                // truncated
  EXPECT_EQ(as_json("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(as_json("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(as_json("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(as_json("\x80"
                    "x\"\xe2\x82"),
            R"("\ufffdx\"\ufffd\ufffd")");
}

TEST(JsonString, SequenceLength) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xc2\x80", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xc1\xbf", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xe0\xa0\x80", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xe0\x9f\xbf", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xed\x9f\xbf", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x90\x80\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x8f\xbf\xbf", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xf4\x8f\xbf\xbf", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xf5\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("x\xe2\x82\xac", 1), 3u);
  EXPECT_EQ(utf8_sequence_length("\xe2\x82"
                                 "a",
                                 0),
            0u);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [in, expected] : vectors) {
    std::string out = "x";
    append_base64(out, in);
    EXPECT_EQ(out, std::string("x") + expected);
  }
  std::string out;
  append_base64(out, std::string("\xff\xfe\x00\x80", 4));
  EXPECT_EQ(out, "//4AgA==");
}

}  // namespace
}  // namespace wshub::hub
