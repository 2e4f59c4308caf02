#include <gtest/gtest.h>

#include <stdexcept>

#include "http/OriginPolicy.h"

namespace wshub::http {
namespace {

OriginPolicy policy(std::vector<std::string> patterns) {
  return OriginPolicy(patterns);
}

TEST(OriginPolicy, AbsentOriginIsAllowed) {
  EXPECT_TRUE(policy({"https://a.example"}).allows(""));
}

TEST(OriginPolicy, ExactOrigin) {
  auto p = policy({"https://app.example.com"});
  EXPECT_TRUE(p.allows("https://app.example.com"));
  EXPECT_TRUE(p.allows("HTTPS://App.Example.COM"));
  EXPECT_TRUE(p.allows("https://app.example.com:443")) << "default port is no port";
  EXPECT_FALSE(p.allows("http://app.example.com")) << "scheme matters";
  EXPECT_FALSE(p.allows("https://app.example.com:8443"));
  EXPECT_FALSE(p.allows("https://app.example.com.evil.net"));
  EXPECT_FALSE(p.allows("https://evilapp.example.com"));
  EXPECT_FALSE(p.allows("https://app.example.com/path"));
  EXPECT_FALSE(p.allows("null"));
}

TEST(OriginPolicy, WildcardSubdomain) {
  auto p = policy({"https://*.example.com"});
  EXPECT_TRUE(p.allows("https://a.example.com"));
  EXPECT_TRUE(p.allows("https://a.b.EXAMPLE.com"));
  EXPECT_FALSE(p.allows("https://example.com")) << "the apex is not a subdomain";
  EXPECT_FALSE(p.allows("https://badexample.com"));
  EXPECT_FALSE(p.allows("https://.example.com"));
  EXPECT_FALSE(p.allows("https://a.example.com:444"));
  EXPECT_FALSE(p.allows("http://a.example.com"));
}

TEST(OriginPolicy, AnyPort) {
  auto p = policy({"http://localhost:*"});
  EXPECT_TRUE(p.allows("http://localhost"));
  EXPECT_TRUE(p.allows("http://localhost:3000"));
  EXPECT_TRUE(p.allows("http://LOCALHOST:8080"));
  EXPECT_FALSE(p.allows("http://localhost:99999"));
  EXPECT_FALSE(p.allows("http://localhost:"));
  EXPECT_FALSE(p.allows("https://localhost:3000"));
  EXPECT_FALSE(p.allows("http://localhost.evil.net:3000"));
}

TEST(OriginPolicy, SpecificPortAndIpv6) {
  auto p = policy({"http://[::1]:8080", "https://h.example:8443"});
  EXPECT_TRUE(p.allows("http://[::1]:8080"));
  EXPECT_FALSE(p.allows("http://[::1]"));
  EXPECT_TRUE(p.allows("https://h.example:8443"));
  EXPECT_FALSE(p.allows("https://h.example"));
}

TEST(OriginPolicy, StarAllowsAnything) {
  auto p = policy({"https://a.example", "*"});
  EXPECT_TRUE(p.allows("https://anything.net"));
  EXPECT_TRUE(p.allows("null"));
}

TEST(OriginPolicy, EmptyListAllowsOnlyAbsentOrigin) {
  auto p = policy({});
  EXPECT_TRUE(p.allows(""));
  EXPECT_FALSE(p.allows("https://a.example"));
}

TEST(OriginPolicy, MalformedPatternsThrowAtConfigurationTime) {
  for (const char* bad : {"app.example.com", "https://", "https://a*.example.com", "https://*.",
                          "https://h:0", "https://h:x", "://h"}) {
    EXPECT_THROW(policy({bad}), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace wshub::http
