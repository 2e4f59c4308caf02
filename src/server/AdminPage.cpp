#include "server/AdminPage.h"

#include <string>

#include "server/StaticReplies.h"

namespace wshub::server {

void AdminPage::handle(const http::Request& request, http::ReplyCallback reply) {
  std::string_view path = request.path;
  std::string_view name;
  if (path == kPrefix || path == "/admin/") {
    name = "index.html";
  } else if (path.starts_with("/admin/")) {
    name = path.substr(7);
  } else {
    return reply(static_error_reply(404, "not found"));  // "/administrator" and the like
  }
  const EmbeddedFile* file = find_embedded_file(files_, name);
  if (!file) return reply(static_error_reply(404, "not found"));
  if (request.method != "GET" && request.method != "HEAD") return reply(static_method_refused());
  reply(static_file_reply(*file));
}

}  // namespace wshub::server
