#include "server/StaticReplies.h"

#include <string>

namespace wshub::server {

void add_static_headers(http::Reply& reply, std::string_view cache_control) {
  reply.headers.emplace_back("Content-Security-Policy", std::string(kStaticContentSecurityPolicy));
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  reply.headers.emplace_back("Cache-Control", std::string(cache_control));
}

http::Reply static_file_reply(const EmbeddedFile& file) {
  http::Reply ok;
  ok.status = 200;
  ok.content_type = std::string(content_type_for(file.name));
  ok.body = std::string(file.data);
  add_static_headers(ok);
  return ok;
}

http::Reply static_error_reply(int status, std::string_view message) {
  http::Reply reply;
  reply.status = status;
  reply.body =
      "{\"error\":{\"code\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) + "\"}}\n";
  add_static_headers(reply);
  return reply;
}

http::Reply static_method_refused() {
  http::Reply refused = static_error_reply(405, "use GET");
  refused.headers.emplace_back("Allow", "GET, HEAD");
  return refused;
}

}  // namespace wshub::server
