#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/ChunkFraming.h"
#include "http/HeaderSectionScanner.h"
#include "http/TokenList.h"

namespace wshub::http {
namespace {

std::vector<std::string> elements(std::string_view list) {
  std::vector<std::string> out;
  for_each_list_element(list, [&](std::string_view e) {
    out.emplace_back(e);
    return true;
  });
  return out;
}

TEST(TokenList, SplitsOnCommasAndTrimsOws) {
  EXPECT_EQ(elements(" a ,\tb,,  c\t"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(elements(""), std::vector<std::string>{});
  EXPECT_EQ(elements(" , ,"), std::vector<std::string>{});
}

TEST(TokenList, ContainsIsCaseInsensitiveAndWhole) {
  EXPECT_TRUE(list_contains_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(list_contains_token("upgraded", "upgrade"));
  EXPECT_FALSE(list_contains_token("", "upgrade"));
}

TEST(HeaderSectionScanner, FindsEndAcrossSplitCrlf) {
  std::string text = "\r\nGET / HTTP/1.1\r\nA: b\r\n\r\nbody\rX";
  for (size_t split = 0; split <= text.size(); ++split) {
    HeaderSectionScanner s;
    s.scan(std::span<const char>(text.data(), split), 1000);
    auto status = s.scan(std::span<const char>(text.data(), text.size()), 1000);
    ASSERT_EQ(status, HeaderSectionScanner::Status::found) << split;
    EXPECT_EQ(s.end(), text.size() - 6) << split;
  }
}

TEST(HeaderSectionScanner, StopsBeforeAnUndecidedCr) {
  HeaderSectionScanner s;
  std::string text = "GET / HTTP/1.1\r";
  EXPECT_EQ(s.scan(std::span<const char>(text.data(), text.size()), 1000),
            HeaderSectionScanner::Status::need_more);
  EXPECT_EQ(s.position(), text.size() - 1);
}

TEST(ChunkFraming, Gaps) {
  EXPECT_TRUE(is_valid_chunk_gap("5\r\n", false, false));
  EXPECT_TRUE(is_valid_chunk_gap("\r\nA;name=\"v\"\r\n", true, false));
  EXPECT_TRUE(is_valid_chunk_gap("", true, false));
  EXPECT_TRUE(is_valid_chunk_gap("\r\n0\r\n\r\n", true, true));
  EXPECT_TRUE(is_valid_chunk_gap("0\r\nT: v\r\n\r\n", false, true));
  EXPECT_TRUE(is_valid_chunk_gap("\n0\n\n", true, true));
  EXPECT_FALSE(is_valid_chunk_gap("XY0\r\n\r\n", true, true));
  EXPECT_FALSE(is_valid_chunk_gap("5\rX", false, false));
  EXPECT_FALSE(is_valid_chunk_gap("0\r\n\r\n", false, false)) << "a last chunk where data follows";
  EXPECT_FALSE(is_valid_chunk_gap("5\r\n\r\n", false, true)) << "the last chunk has size 0";
  EXPECT_FALSE(is_valid_chunk_gap("0\r\nT: v\rX\r\n", false, true));
}

}  // namespace
}  // namespace wshub::http
