#pragma once
// A route of plain HTTP requests (the server API, health checks) whose answer may come
// later and from another thread: the server API waits for the broker. The engine
// (server/Connection) calls handle() on its worker thread and holds the connection's
// next request until the reply arrives; a reply for a connection that closed meanwhile
// is dropped.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/Request.h"

namespace wshub::http {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers (Allow, Retry-After, ...); names and values must not contain CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Call exactly once, from any thread.
using ReplyCallback = std::function<void(Reply)>;

class Handler {
 public:
  virtual ~Handler() = default;
  // `request` and its views are valid only during the call: copy what the reply needs.
  virtual void handle(const Request& request, ReplyCallback reply) = 0;
};

}  // namespace wshub::http
