// The demo pages: embedded at build time (the pages and the SDK's ES modules), served with
// their types and security headers, 404/405 where they belong; /demos/dev-session only
// when the Node says so, with a token for the asked name and nothing for a bad name.
#include "server/DemoPages.h"

#include <gtest/gtest.h>

#include "auth/Base64Url.h"

namespace wshub::server {
namespace {

http::Reply get(const DemoPages& pages, std::string_view path, std::string_view method = "GET",
                std::string_view query = {}) {
  http::Request request;
  request.method = method;
  request.path = path;
  request.query = query;
  request.target = path;
  std::optional<http::Reply> reply;
  const_cast<DemoPages&>(pages).handle(request, [&](http::Reply r) { reply = std::move(r); });
  EXPECT_TRUE(reply.has_value());  // answered synchronously
  return reply.value_or(http::Reply{});
}

std::string header(const http::Reply& reply, std::string_view name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return {};
}

DemoPages pages(bool dev) {
  return DemoPages(
      demo_assets(), demo_sdk_assets(),
      DemoSession{dev, dev ? "a-secret-of-at-least-32-bytes-0123456789" : "", dev ? "the-key" : ""});
}

TEST(DemoPages, ThePagesAndTheSdkAreInTheBinary) {
  for (std::string_view name : {"index.html", "chat.html", "chat.js", "notifications.html", "whiteboard.html",
                                "dashboard.html", "common.js", "style.css"}) {
    const EmbeddedFile* file = find_embedded_file(demo_assets(), name);
    ASSERT_NE(file, nullptr) << name;
    EXPECT_GT(file->data.size(), 100u) << name;
  }
  const EmbeddedFile* sdk = find_embedded_file(demo_sdk_assets(), "index.js");
  ASSERT_NE(sdk, nullptr);
  EXPECT_NE(sdk->data.find("WshubClient"), std::string_view::npos);
}

TEST(DemoPages, ServesTheIndexAtTheRootAndFilesUnderDemos) {
  const DemoPages p = pages(false);
  http::Reply index = get(p, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("chat.html"), std::string::npos);
  EXPECT_NE(header(index, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(header(index, "Content-Security-Policy").find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(get(p, "/demos/").body, index.body);
  EXPECT_EQ(get(p, "/demos/chat.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get(p, "/demos/style.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get(p, "/demos/sdk/index.js").status, 200);
  EXPECT_EQ(get(p, "/demos/chat.html", "HEAD").status, 200);
}

TEST(DemoPages, UnknownPathsAre404AndOtherMethods405) {
  const DemoPages p = pages(false);
  EXPECT_EQ(get(p, "/demos/missing.html").status, 404);
  EXPECT_EQ(get(p, "/demos/../CMakeLists.txt").status, 404);
  EXPECT_EQ(get(p, "/demos/sdk/missing.js").status, 404);
  EXPECT_EQ(get(p, "/demos/sdk/").status, 404);
  http::Reply post = get(p, "/demos/chat.html", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(get(p, "/", "DELETE").status, 405);
}

TEST(DemoPages, DevSessionIsOffOutsideDevMode) {
  EXPECT_EQ(get(pages(false), "/demos/dev-session", "GET", "user=alice").status, 404);
}

TEST(DemoPages, DevSessionSignsATokenForTheName) {
  const DemoPages p = pages(true);
  http::Reply r = get(p, "/demos/dev-session", "GET", "x=1&user=alice");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"user\":\"alice\""), std::string::npos);
  EXPECT_NE(r.body.find("\"api_key\":\"the-key\""), std::string::npos);
  for (std::string_view bad :
       {"", "user=", "user=%3Cscript%3E", "user=a\"b", "user=0123456789012345678901234567890123"}) {
    EXPECT_EQ(get(p, "/demos/dev-session", "GET", bad).status, 400) << bad;
  }
  EXPECT_EQ(get(p, "/demos/dev-session", "POST", "user=alice").status, 405);
}

TEST(DemoPages, TheTokenIsAnHs256JwtWithSubAndExp) {
  const std::string token = DemoPages::sign_token("secret", "bob", 60);
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  ASSERT_NE(second, std::string::npos);
  std::string header_json;
  std::string payload_json;
  ASSERT_TRUE(auth::base64url::decode(token.substr(0, first), header_json, 1000));
  ASSERT_TRUE(auth::base64url::decode(token.substr(first + 1, second - first - 1), payload_json, 1000));
  EXPECT_EQ(header_json, R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_TRUE(payload_json.starts_with(R"({"sub":"bob","exp":)"));
  EXPECT_EQ(token.size() - second - 1, auth::base64url::encoded_size(32));  // a SHA-256 MAC
}

}  // namespace
}  // namespace wshub::server
