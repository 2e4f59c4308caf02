#include "auth/Base64Url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "TestSigner.h"

namespace wshub::auth {
namespace {

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  if (!base64url::decode(text, out, 1 << 20)) return std::nullopt;
  return out;
}

TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url::encode(plain), encoded);
    EXPECT_EQ(decode(encoded), plain) << encoded;
  }
}

TEST(Base64Url, UrlAlphabet) {
  EXPECT_EQ(base64url::encode("\xfb\xff"), "-_8");
  EXPECT_EQ(decode("-_8"), "\xfb\xff");
  EXPECT_EQ(decode("+/8"), std::nullopt) << "plain base64's alphabet";
}

TEST(Base64Url, RefusesPaddingWhitespaceAndStrangers) {
  for (const char* bad : {"Zg==", "Zg=", "Zm8=", "=", "Zm9v=", "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v\r\n", "Zm.v",
                          "Zm9v\x80", "Z\0g"}) {
    EXPECT_EQ(decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(decode(std::string_view("Zm\0v", 4)), std::nullopt);
}

TEST(Base64Url, RefusesImpossibleLengths) {
  for (const char* bad : {"Z", "Zm9vY", "Zm9vYmFyZ"}) EXPECT_EQ(decode(bad), std::nullopt) << bad;
}

TEST(Base64Url, RefusesNonCanonicalTrailingBits) {
  // "Zg" is the only spelling of "f"; "Zh".."Zv" carry the same byte with stray low bits.
  EXPECT_EQ(decode("Zg"), "f");
  for (const char* bad : {"Zh", "Zi", "Zv", "Zm9", "Zm-"}) EXPECT_EQ(decode(bad), std::nullopt) << bad;
  EXPECT_EQ(decode("Zm8"), "fo");
}

TEST(Base64Url, ExactlyOneSpellingPerByteString) {
  // Every string of 2 and 3 characters over the alphabet and a few strangers: an accepted
  // one re-encodes to itself, and there are exactly 256 (65536) of them, one per byte
  // string of length 1 (2).
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string chars = alphabet + "=+/. ";
  for (size_t length : {2u, 3u}) {
    std::string s(length, 'A');
    size_t total = 1, accepted = 0;
    for (size_t k = 0; k < length; ++k) total *= chars.size();
    for (size_t i = 0; i < total; ++i) {
      size_t v = i;
      for (size_t k = 0; k < length; ++k, v /= chars.size()) s[k] = chars[v % chars.size()];
      if (std::optional<std::string> bytes = decode(s)) {
        ASSERT_EQ(base64url::encode(*bytes), s);
        ASSERT_EQ(s.find_first_not_of(alphabet), std::string::npos) << s;
        ++accepted;
      }
    }
    EXPECT_EQ(accepted, length == 2 ? 256u : 65536u);
  }
}

TEST(Base64Url, RoundTripsRandomBytes) {
  std::mt19937 rng(42);
  for (size_t size = 0; size < 300; ++size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string encoded = base64url::encode(bytes);
    EXPECT_EQ(encoded.size(), base64url::encoded_size(size));
    EXPECT_EQ(encoded, test::b64url(bytes)) << "agrees with OpenSSL's base64";
    EXPECT_EQ(base64url::decoded_size(encoded.size()), size);
    EXPECT_EQ(decode(encoded), bytes);
  }
}

TEST(Base64Url, BoundedOutput) {
  std::string out;
  EXPECT_FALSE(base64url::decode("Zm9vYmFy", out, 5)) << "6 bytes do not fit in 5";
  EXPECT_TRUE(base64url::decode("Zm9vYmFy", out, 6));
  uint8_t small[2];
  EXPECT_EQ(base64url::decode("Zm9v", std::span<uint8_t>(small)), std::nullopt);
  uint8_t exact[3];
  EXPECT_EQ(base64url::decode("Zm9v", std::span<uint8_t>(exact)), 3u);
}

}  // namespace
}  // namespace wshub::auth
