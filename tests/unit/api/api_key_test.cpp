#include "api/ApiKey.h"

#include <gtest/gtest.h>

namespace wshub::api {
namespace {

constexpr std::string_view kKey = "0123456789abcdef0123";

TEST(ApiKey, AcceptsTheSchemeInAnyCaseWithSurroundingSpace) {
  EXPECT_TRUE(api_key_matches("apikey 0123456789abcdef0123", kKey));
  EXPECT_TRUE(api_key_matches("ApiKey 0123456789abcdef0123", kKey));
  EXPECT_TRUE(api_key_matches("  APIKEY\t0123456789abcdef0123  ", kKey));
}

TEST(ApiKey, RefusesEverythingElse) {
  EXPECT_FALSE(api_key_matches("", kKey));
  EXPECT_FALSE(api_key_matches("apikey", kKey));
  EXPECT_FALSE(api_key_matches("apikey ", kKey));
  EXPECT_FALSE(api_key_matches("0123456789abcdef0123", kKey));
  EXPECT_FALSE(api_key_matches("Bearer 0123456789abcdef0123", kKey));
  EXPECT_FALSE(api_key_matches("apikey0123456789abcdef0123", kKey));
  EXPECT_FALSE(api_key_matches("apikey 0123456789abcdef012", kKey));    // a prefix
  EXPECT_FALSE(api_key_matches("apikey 0123456789abcdef01234", kKey));  // longer
  EXPECT_FALSE(api_key_matches("apikey 0123456789abcdef0124", kKey));   // last byte differs
}

TEST(ApiKey, AnEmptyConfiguredKeyMatchesNothing) {
  EXPECT_FALSE(api_key_matches("apikey ", ""));
  EXPECT_FALSE(api_key_matches("apikey x", ""));
}

}  // namespace
}  // namespace wshub::api
