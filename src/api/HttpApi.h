#pragma once
// The server API over HTTP: `POST /api/<method>` with a JSON body and
// `Authorization: apikey <key>` (docs/server-api.md). Checks, in this order: the key
// (401, no detail), the method name (404), the HTTP method (405), the body (400), then
// runs the method; its errors map to 400 (the request is wrong), 429, 500 or 503 (retry).
// Every error body is {"error":{"code":N,"message":".."}} with a stable code.
#include <string>

#include "api/ApiCommandParser.h"
#include "api/ServerApi.h"
#include "http/Handler.h"

namespace wshub::api {

class HttpApi final : public http::Handler {
 public:
  // An empty key refuses every request (the API is off until a key is configured).
  HttpApi(ServerApi& api, std::string key, ParserOptions options = {})
      : api_(api), key_(std::move(key)), options_(options) {}

  void handle(const http::Request& request, http::ReplyCallback reply) override;

  static constexpr std::string_view kPrefix = "/api/";

 private:
  ServerApi& api_;
  std::string key_;
  ParserOptions options_;
};

// The HTTP status for a method's error code.
int http_status_for(uint32_t error_code);
// {"error":{"code":N,"message":".."}} and a newline.
std::string error_body(uint32_t code, std::string_view message);

}  // namespace wshub::api
