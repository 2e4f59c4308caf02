#pragma once
// GET /admin: the dashboard's static files, compiled into the binary (web/admin/,
// cmake/EmbedFiles.cmake). "/admin" and "/admin/" are index.html; "/admin/<name>" is
// that file; anything else under the prefix is 404, a method other than GET or HEAD 405.
// Every answer carries a strict Content-Security-Policy (scripts and styles from this
// origin only, no inline script, no framing), nosniff and no-cache: the page talks to
// the live socket on the same origin and nothing else.
#include <span>

#include "http/Handler.h"
#include "server/EmbeddedFile.h"
#include "server/StaticReplies.h"

namespace wshub::server {

class AdminPage final : public http::Handler {
 public:
  explicit AdminPage(std::span<const EmbeddedFile> files) : files_(files) {}

  void handle(const http::Request& request, http::ReplyCallback reply) override;

  static constexpr std::string_view kPrefix = "/admin";
  static constexpr std::string_view kContentSecurityPolicy = kStaticContentSecurityPolicy;

 private:
  std::span<const EmbeddedFile> files_;
};

}  // namespace wshub::server
