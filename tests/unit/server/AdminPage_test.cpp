// The admin page's static files: embedded at build time, served with their types and
// security headers, 404 and 405 where they belong; and the login check.
#include "server/AdminPage.h"

#include <gtest/gtest.h>

#include "server/AdminLogin.h"
#include "server/EmbeddedFile.h"

namespace wshub::server {
namespace {

http::Reply get(std::string_view path, std::string_view method = "GET") {
  AdminPage page(admin_assets());
  http::Request request;
  request.method = method;
  request.path = path;
  request.target = path;
  std::optional<http::Reply> reply;
  page.handle(request, [&](http::Reply r) { reply = std::move(r); });
  EXPECT_TRUE(reply.has_value());  // answered synchronously
  return reply.value_or(http::Reply{});
}

std::string header(const http::Reply& reply, std::string_view name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return {};
}

TEST(EmbeddedFile, TheAdminFilesAreInTheBinary) {
  for (std::string_view name : {"index.html", "admin.js", "admin.css"}) {
    const EmbeddedFile* file = find_embedded_file(admin_assets(), name);
    ASSERT_NE(file, nullptr) << name;
    EXPECT_GT(file->data.size(), 100u) << name;
  }
  const EmbeddedFile* index = find_embedded_file(admin_assets(), "index.html");
  EXPECT_TRUE(index->data.starts_with("<!doctype html>"));
  EXPECT_EQ(find_embedded_file(admin_assets(), "missing.js"), nullptr);
}

TEST(EmbeddedFile, ContentTypes) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("admin.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("admin.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("x.bin"), "application/octet-stream");
}

TEST(AdminPage, ServesTheIndexAndAssets) {
  for (std::string_view path : {"/admin", "/admin/", "/admin/index.html"}) {
    http::Reply reply = get(path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(reply.body, find_embedded_file(admin_assets(), "index.html")->data);
  }
  http::Reply js = get("/admin/admin.js", "HEAD");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Content-Security-Policy"), AdminPage::kContentSecurityPolicy);
  EXPECT_EQ(header(js, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(js, "Cache-Control"), "no-cache");
}

TEST(AdminPage, RefusesUnknownFilesAndMethods) {
  for (std::string_view path : {"/admin/nope", "/administrator", "/admin/../api/info", "/admin//admin.js"}) {
    EXPECT_EQ(get(path).status, 404) << path;
  }
  http::Reply post = get("/admin/admin.js", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_FALSE(header(post, "Content-Security-Policy").empty());
}

TEST(AdminLogin, AcceptsOnlyTheSecret) {
  AdminLogin login("the admin password");
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(login.attempt("the admin password", now), AdminLogin::Outcome::accepted);
  EXPECT_EQ(login.attempt("the admin passwor", now), AdminLogin::Outcome::refused);
  EXPECT_EQ(login.attempt("the admin password!", now), AdminLogin::Outcome::refused);
  EXPECT_EQ(login.attempt("", now), AdminLogin::Outcome::refused);
}

TEST(AdminLogin, WithoutASecretNothingIsAccepted) {
  AdminLogin login("");
  EXPECT_EQ(login.attempt("", std::chrono::steady_clock::now()), AdminLogin::Outcome::refused);
  EXPECT_EQ(login.attempt("x", std::chrono::steady_clock::now()), AdminLogin::Outcome::refused);
}

TEST(AdminLogin, AttemptsAreRateLimited) {
  AdminLogin login("secret-secret", 1, 3);  // 1 a second, bursts of 3
  auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login.attempt("guess", now), AdminLogin::Outcome::refused);
  // Even the right secret waits now: a guesser cannot tell from the answer.
  EXPECT_EQ(login.attempt("secret-secret", now), AdminLogin::Outcome::rate_limited);
  EXPECT_EQ(login.attempt("secret-secret", now + std::chrono::milliseconds(1100)),
            AdminLogin::Outcome::accepted);
}

}  // namespace
}  // namespace wshub::server
