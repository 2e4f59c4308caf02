// Utf8Validator against an independent reference, on the Markus Kuhn stress cases that
// Autobahn 6.x sends, split at every offset, and on random byte strings.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ws/Utf8Validator.h"

namespace wshub::ws {
namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

struct Verdict {
  size_t fail_at;  // index of the first byte after which no valid completion exists, or size
  bool complete;   // valid and not ending inside a sequence
};

// Reference by definition: after each byte of a multi-byte sequence, compute the range of
// code points its completions could encode and intersect it with what that length may
// legally encode (no overlongs, no surrogates, nothing above U+10FFFF).
Verdict reference(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  static constexpr uint32_t kMax[] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0) return {i, false};
    uint32_t prefix = c & (0x7F >> len);
    for (int j = 0; j < len; ++j) {
      if (j > 0) {
        if (i + j == s.size()) return {s.size(), false};  // truncated but still completable
        const auto cc = static_cast<uint8_t>(s[i + j]);
        if ((cc & 0xC0) != 0x80) return {i + j, false};
        prefix = (prefix << 6) | (cc & 0x3F);
      }
      const int missing = len - 1 - j;
      const uint32_t lo = prefix << (6 * missing);
      const uint32_t hi = lo | ((1u << (6 * missing)) - 1);
      const uint32_t a = std::max(lo, kMin[len]), b = std::min(hi, kMax[len]);
      if (a > b || (a >= 0xD800 && b <= 0xDFFF)) return {i + j, false};
    }
    i += len;
  }
  return {s.size(), true};
}

// The index at which byte-by-byte feeding first fails, or size.
size_t fail_index_bytewise(std::string_view s) {
  Utf8Validator v;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!v.feed(bytes(s.substr(i, 1)))) return i;
  }
  return s.size();
}

void check(std::string_view s) {
  const Verdict ref = reference(s);
  EXPECT_EQ(is_valid_utf8(bytes(s)), ref.complete);
  EXPECT_EQ(fail_index_bytewise(s), ref.fail_at) << "fail fast";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    Utf8Validator v;
    const bool first = v.feed(bytes(s.substr(0, cut)));
    ASSERT_EQ(first, ref.fail_at >= cut) << "cut " << cut;
    const bool second = v.feed(bytes(s.substr(cut)));
    ASSERT_EQ(second, ref.fail_at == s.size()) << "cut " << cut;
    ASSERT_EQ(v.complete(), ref.complete) << "cut " << cut;
  }
}

struct Case {
  const char* name;
  std::string data;
  bool valid;
};

// Autobahn 6.x (Markus Kuhn's UTF-8 decoder capability and stress test).
std::vector<Case> kuhn_cases() {
  const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  std::vector<Case> c = {
      {"6.2 hello", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!", true},
      {"6.3 kosme", kosme, true},
      {"6.3 kosme+surrogate", kosme + "\xed\xa0\x80" + "edited", false},
      {"6.7 first 1", std::string(1, '\0'), true},
      {"6.7 first 2", "\xc2\x80", true},
      {"6.7 first 3", "\xe0\xa0\x80", true},
      {"6.7 first 4", "\xf0\x90\x80\x80", true},
      {"6.8 first 5", "\xf8\x88\x80\x80\x80", false},
      {"6.8 first 6", "\xfc\x84\x80\x80\x80\x80", false},
      {"6.9 last 1", "\x7f", true},
      {"6.9 last 2", "\xdf\xbf", true},
      {"6.9 last 3", "\xef\xbf\xbf", true},
      {"6.9 last 4", "\xf4\x8f\xbf\xbf", true},
      {"6.10 last 4 beyond", "\xf7\xbf\xbf\xbf", false},
      {"6.10 last 5", "\xfb\xbf\xbf\xbf\xbf", false},
      {"6.10 last 6", "\xfd\xbf\xbf\xbf\xbf\xbf", false},
      {"6.11 U+D7FF", "\xed\x9f\xbf", true},
      {"6.11 U+E000", "\xee\x80\x80", true},
      {"6.11 U+FFFD", "\xef\xbf\xbd", true},
      {"6.11 U+10FFFF", "\xf4\x8f\xbf\xbf", true},
      {"6.11 U+110000", "\xf4\x90\x80\x80", false},
      {"6.12 first continuation", "\x80", false},
      {"6.12 last continuation", "\xbf", false},
      {"6.12 2 continuations", "\x80\xbf", false},
      {"6.12 3 continuations", "\x80\xbf\x80", false},
      {"6.12 4 continuations", "\x80\xbf\x80\xbf", false},
      {"6.12 5 continuations", "\x80\xbf\x80\xbf\x80", false},
      {"6.12 6 continuations", "\x80\xbf\x80\xbf\x80\xbf", false},
      {"6.12 7 continuations", "\x80\xbf\x80\xbf\x80\xbf\x80", false},
      {"6.14 C0", "\xc0", false},
      {"6.14 E0 80", "\xe0\x80", false},
      {"6.14 F0 80 80", "\xf0\x80\x80", false},
      {"6.14 F8", "\xf8\x80\x80\x80", false},
      {"6.14 FC", "\xfc\x80\x80\x80\x80", false},
      {"6.14 DF", "\xdf", false},
      {"6.14 EF BF", "\xef\xbf", false},
      {"6.14 F7 BF BF", "\xf7\xbf\xbf", false},
      {"6.14 FB", "\xfb\xbf\xbf\xbf", false},
      {"6.14 FD", "\xfd\xbf\xbf\xbf\xbf", false},
      {"6.15 concatenated incomplete",
       "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf"
       "\xfd\xbf"
       "\xbf\xbf\xbf",
       false},
      {"6.16 FE", "\xfe", false},
      {"6.16 FF", "\xff", false},
      {"6.16 FE FE FF FF", "\xfe\xfe\xff\xff", false},
      {"6.17 overlong / 2", "\xc0\xaf", false},
      {"6.17 overlong / 3", "\xe0\x80\xaf", false},
      {"6.17 overlong / 4", "\xf0\x80\x80\xaf", false},
      {"6.17 overlong / 5", "\xf8\x80\x80\x80\xaf", false},
      {"6.17 overlong / 6", "\xfc\x80\x80\x80\x80\xaf", false},
      {"6.18 max overlong 2", "\xc1\xbf", false},
      {"6.18 max overlong 3", "\xe0\x9f\xbf", false},
      {"6.18 max overlong 4", "\xf0\x8f\xbf\xbf", false},
      {"6.18 max overlong 5", "\xf8\x87\xbf\xbf\xbf", false},
      {"6.18 max overlong 6", "\xfc\x83\xbf\xbf\xbf\xbf", false},
      {"6.19 overlong NUL 2", "\xc0\x80", false},
      {"6.19 overlong NUL 3", "\xe0\x80\x80", false},
      {"6.19 overlong NUL 4", "\xf0\x80\x80\x80", false},
      {"6.19 overlong NUL 5", "\xf8\x80\x80\x80\x80", false},
      {"6.19 overlong NUL 6", "\xfc\x80\x80\x80\x80\x80", false},
      {"6.20 U+D800", "\xed\xa0\x80", false},
      {"6.20 U+DB7F", "\xed\xad\xbf", false},
      {"6.20 U+DB80", "\xed\xae\x80", false},
      {"6.20 U+DBFF", "\xed\xaf\xbf", false},
      {"6.20 U+DC00", "\xed\xb0\x80", false},
      {"6.20 U+DF80", "\xed\xbe\x80", false},
      {"6.20 U+DFFF", "\xed\xbf\xbf", false},
      {"6.21 D800 DC00", "\xed\xa0\x80\xed\xb0\x80", false},
      {"6.21 D800 DFFF", "\xed\xa0\x80\xed\xbf\xbf", false},
      {"6.21 DB7F DC00", "\xed\xad\xbf\xed\xb0\x80", false},
      {"6.21 DB7F DFFF", "\xed\xad\xbf\xed\xbf\xbf", false},
      {"6.21 DB80 DC00", "\xed\xae\x80\xed\xb0\x80", false},
      {"6.21 DB80 DFFF", "\xed\xae\x80\xed\xbf\xbf", false},
      {"6.21 DBFF DC00", "\xed\xaf\xbf\xed\xb0\x80", false},
      {"6.21 DBFF DFFF", "\xed\xaf\xbf\xed\xbf\xbf", false},
      {"6.22 U+FFFE", "\xef\xbf\xbe", true},
      {"6.22 U+FFFF", "\xef\xbf\xbf", true},
      {"6.22 U+1FFFE", "\xf0\x9f\xbf\xbe", true},
      {"6.22 U+10FFFF", "\xf4\x8f\xbf\xbf", true},
      {"6.22 U+FDD0", "\xef\xb7\x90", true},
      {"6.23 U+FFFD", "\xef\xbf\xbd", true},
      {"6.23 mixed", "\x65\x64\x69\x74\x65\x64\xef\xbf\xbd", true},
  };
  // 6.6: every prefix of kosme; only those ending on a code point boundary are valid.
  for (size_t n = 1; n <= kosme.size(); ++n) {
    const bool boundary = n == 2 || n == 5 || n == 7 || n == 9 || n == 11;
    c.push_back({"6.6 kosme prefix", kosme.substr(0, n), boundary});
  }
  // 6.12.8: all 64 continuation bytes; 6.13: lonely start bytes each followed by a space.
  std::string all_cont, lonely2, lonely3, lonely4, lonely5, lonely6;
  for (int b = 0x80; b <= 0xbf; ++b) all_cont.push_back(static_cast<char>(b));
  for (int b = 0xc0; b <= 0xdf; ++b) lonely2 += std::string{static_cast<char>(b), ' '};
  for (int b = 0xe0; b <= 0xef; ++b) lonely3 += std::string{static_cast<char>(b), ' '};
  for (int b = 0xf0; b <= 0xf7; ++b) lonely4 += std::string{static_cast<char>(b), ' '};
  for (int b = 0xf8; b <= 0xfb; ++b) lonely5 += std::string{static_cast<char>(b), ' '};
  for (int b = 0xfc; b <= 0xfd; ++b) lonely6 += std::string{static_cast<char>(b), ' '};
  c.push_back({"6.12.8 all continuations", all_cont, false});
  c.push_back({"6.13.1 lonely 2-byte starts", lonely2, false});
  c.push_back({"6.13.1 lonely C2", "\xc2 ", false});
  c.push_back({"6.13.2 lonely 3-byte starts", lonely3, false});
  c.push_back({"6.13.3 lonely 4-byte starts", lonely4, false});
  c.push_back({"6.13.4 lonely 5-byte starts", lonely5, false});
  c.push_back({"6.13.5 lonely 6-byte starts", lonely6, false});
  return c;
}

TEST(Utf8Validator, ReferenceAgreesWithKuhnExpectations) {
  for (const auto& c : kuhn_cases()) EXPECT_EQ(reference(c.data).complete, c.valid) << c.name;
}

TEST(Utf8Validator, KuhnCasesFailFastAtEverySplit) {
  for (const auto& c : kuhn_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(is_valid_utf8(bytes(c.data)), c.valid);
    check(c.data);
  }
}

TEST(Utf8Validator, KuhnCasesInsideAsciiRunsAtEveryAlignment) {
  // Exercise the word-wide ASCII skip: the interesting bytes land at every position of a word.
  for (const auto& c : kuhn_cases()) {
    for (size_t pad = 0; pad < 20; ++pad) {
      SCOPED_TRACE(std::string(c.name) + " pad " + std::to_string(pad));
      check(std::string(pad, 'a') + c.data + std::string(17, 'z'));
    }
  }
}

TEST(Utf8Validator, RandomStringsMatchReference) {
  static constexpr uint8_t kAlphabet[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                          0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
                                          0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  std::mt19937 rng(3);
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 10, '\0');
    for (auto& ch : s) ch = static_cast<char>(kAlphabet[rng() % std::size(kAlphabet)]);
    SCOPED_TRACE(testing::PrintToString(s));
    check(s);
  }
}

TEST(Utf8Validator, LongAsciiWithOneBadByte) {
  for (size_t at = 0; at < 70; ++at) {
    std::string s(80, 'x');
    s[at] = '\x80';
    EXPECT_EQ(fail_index_bytewise(s), at);
    Utf8Validator v;
    EXPECT_FALSE(v.feed(bytes(s)));
    EXPECT_TRUE(v.failed());
  }
}

TEST(Utf8Validator, StaysFailedUntilReset) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed(bytes("\xff")));
  EXPECT_FALSE(v.feed(bytes("a")));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed(bytes("a")));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, EmptyIsValid) {
  EXPECT_TRUE(is_valid_utf8({}));
  Utf8Validator v;
  EXPECT_TRUE(v.feed({}));
  EXPECT_TRUE(v.complete());
}

}  // namespace
}  // namespace wshub::ws
