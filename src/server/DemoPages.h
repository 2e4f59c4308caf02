#pragma once
// The demo applications (demos/README.md), compiled into the binary like the admin page
// (cmake/EmbedFiles.cmake), served when demos.enabled is set (--dev sets it):
//   GET /                   demos/index.html, the list of demos
//   GET /demos/<name>       demos/<name>
//   GET /demos/sdk/<name>   the SDK's ES modules (clients/js, built by tsc at build time)
//   GET /demos/dev-session?user=<name>   --dev only: {"user","token","api_key"}, a token
//       for that name signed with --dev's public token secret and --dev's public API key,
//       so the pages can sign in as anyone and the notification button can call
//       /api/send. Without --dev, or when a config replaced that secret, it is 404, and
//       "api_key" is empty when a config replaced the key: nothing mints tokens with a
//       real secret or hands out a real key (the pages then show the curl command only).
// Anything else under /demos/ is 404; methods other than GET and HEAD are 405. Every
// answer carries a strict Content-Security-Policy (this origin only, no inline script).
#include <span>
#include <string>

#include "http/Handler.h"
#include "server/EmbeddedFile.h"
#include "server/StaticReplies.h"

namespace wshub::server {

// demos/*, embedded at build time.
std::span<const EmbeddedFile> demo_assets();
// clients/js/src compiled to ES modules, embedded at build time (empty when the SDK's
// node_modules were missing at configure time: the pages then say so).
std::span<const EmbeddedFile> demo_sdk_assets();

struct DemoSession {
  bool dev = false;         // serve /demos/dev-session (--dev with its own token secret)
  std::string hmac_secret;  // signs its tokens
  std::string api_key;      // handed to the page with them: --dev's key, else empty
};

class DemoPages final : public http::Handler {
 public:
  DemoPages(std::span<const EmbeddedFile> pages, std::span<const EmbeddedFile> sdk, DemoSession session)
      : pages_(pages), sdk_(sdk), session_(std::move(session)) {}

  void handle(const http::Request& request, http::ReplyCallback reply) override;

  static constexpr std::string_view kPrefix = "/demos/";
  static constexpr std::string_view kContentSecurityPolicy = kStaticContentSecurityPolicy;

  // An HS256 JWT for `user`, valid for `lifetime_seconds` from now.
  static std::string sign_token(std::string_view secret, std::string_view user, long lifetime_seconds);

 private:
  http::Reply dev_session(const http::Request& request) const;

  std::span<const EmbeddedFile> pages_;
  std::span<const EmbeddedFile> sdk_;
  DemoSession session_;
};

}  // namespace wshub::server
