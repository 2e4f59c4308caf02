#include "server/AdminPage.h"

#include <string>

namespace wshub::server {

namespace {

void add_security_headers(http::Reply& reply) {
  reply.headers.emplace_back("Content-Security-Policy", std::string(AdminPage::kContentSecurityPolicy));
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  // Small files, and a new binary may bring new ones: revalidate every time.
  reply.headers.emplace_back("Cache-Control", "no-cache");
}

http::Reply error_reply(int status, std::string_view message) {
  http::Reply reply;
  reply.status = status;
  reply.body =
      "{\"error\":{\"code\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) + "\"}}\n";
  add_security_headers(reply);
  return reply;
}

}  // namespace

void AdminPage::handle(const http::Request& request, http::ReplyCallback reply) {
  std::string_view path = request.path;
  std::string_view name;
  if (path == kPrefix || path == "/admin/") {
    name = "index.html";
  } else if (path.starts_with("/admin/")) {
    name = path.substr(7);
  } else {
    return reply(error_reply(404, "not found"));  // "/administrator" and the like
  }
  const EmbeddedFile* file = find_embedded_file(files_, name);
  if (!file) return reply(error_reply(404, "not found"));
  if (request.method != "GET" && request.method != "HEAD") {
    http::Reply refused = error_reply(405, "use GET");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return reply(std::move(refused));
  }
  http::Reply ok;
  ok.status = 200;
  ok.content_type = std::string(content_type_for(file->name));
  ok.body = std::string(file->data);  // HEAD: the engine sends the headers only
  add_security_headers(ok);
  reply(std::move(ok));
}

}  // namespace wshub::server
