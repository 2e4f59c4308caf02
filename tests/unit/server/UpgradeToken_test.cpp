// Which upgrade requests carry a Bearer token, and the 401 that refuses a bad one.
#include "server/UpgradeToken.h"

#include <gtest/gtest.h>

namespace wshub::server {
namespace {

http::Request with_headers(std::vector<http::Header> headers) {
  http::Request r;
  r.method = "GET";
  r.path = r.target = "/websocket";
  r.headers = std::move(headers);
  return r;
}

TEST(UpgradeToken, NoAuthorizationIsNone) {
  EXPECT_EQ(find_upgrade_token(with_headers({{"Host", "x"}})).kind, UpgradeToken::Kind::none);
}

TEST(UpgradeToken, BearerCaseInsensitiveWithWhitespace) {
  for (std::string_view value : {"Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER \t abc.def.ghi  "}) {
    UpgradeToken t = find_upgrade_token(with_headers({{"authorization", value}}));
    EXPECT_EQ(t.kind, UpgradeToken::Kind::bearer) << value;
    EXPECT_EQ(t.token, "abc.def.ghi") << value;
  }
}

// A proxy's Basic credentials are not ours to judge: the client may still send connect.
TEST(UpgradeToken, OtherSchemesAreIgnored) {
  EXPECT_EQ(find_upgrade_token(with_headers({{"Authorization", "Basic dXNlcjpwdw=="}})).kind,
            UpgradeToken::Kind::none);
  EXPECT_EQ(find_upgrade_token(with_headers({{"Authorization", "Bearerabc"}})).kind,
            UpgradeToken::Kind::none);
}

TEST(UpgradeToken, EmptyBearerOrTwoHeadersAreMalformed) {
  UpgradeToken empty = find_upgrade_token(with_headers({{"Authorization", "Bearer  "}}));
  EXPECT_EQ(empty.kind, UpgradeToken::Kind::malformed);
  EXPECT_EQ(empty.problem, "empty Bearer token");
  UpgradeToken two =
      find_upgrade_token(with_headers({{"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}}));
  EXPECT_EQ(two.kind, UpgradeToken::Kind::malformed);
  EXPECT_EQ(two.problem, "more than one Authorization header");
}

TEST(UpgradeToken, UnauthorizedResponseIsJsonWithTheErrorCode) {
  std::string r = unauthorized_upgrade_response(hub::Error{109, "token \"expired\""});
  EXPECT_TRUE(r.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << r;
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n{\"error\":{\"code\":109,\"message\":\"token \\\"expired\\\"\"}}\n")) << r;
}

}  // namespace
}  // namespace wshub::server
