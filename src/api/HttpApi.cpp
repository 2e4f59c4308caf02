#include "api/HttpApi.h"

#include <spdlog/spdlog.h>

#include "api/ApiKey.h"
#include "hub/ErrorCode.h"
#include "hub/JsonString.h"

namespace wshub::api {

namespace {

http::Reply json_reply(int status, std::string body) {
  http::Reply reply;
  reply.status = status;
  body.push_back('\n');
  reply.body = std::move(body);
  return reply;
}

// Routing errors carry the HTTP status as their code: they happen before any method.
http::Reply routing_error(int status, std::string_view message) { return {status, "application/json", error_body(static_cast<uint32_t>(status), message), {}}; }

}  // namespace

int http_status_for(uint32_t error_code) {
  switch (static_cast<hub::ErrorCode>(error_code)) {
    case hub::ErrorCode::internal:
      return 500;
    case hub::ErrorCode::unavailable:
    case hub::ErrorCode::backend_error:
      return 503;
    case hub::ErrorCode::too_many_requests:
      return 429;
    case hub::ErrorCode::unauthorized:
      return 401;
    default:
      return 400;
  }
}

std::string error_body(uint32_t code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":" + std::to_string(code) + ",\"message\":";
  hub::append_json_string(out, message);
  out += "}}\n";
  return out;
}

void HttpApi::handle(const http::Request& request, http::ReplyCallback reply) {
  if (!api_key_matches(request.header("authorization"), key_)) {
    spdlog::debug("api: {} {}: missing or wrong api key", request.method, request.path);
    return reply(http::Reply{401, "application/json",
                             error_body(hub::code(hub::ErrorCode::unauthorized), "unauthorized"), {}});
  }
  std::string_view name = request.path.substr(std::min(request.path.size(), kPrefix.size()));
  std::optional<Method> method = method_from_name(name);
  if (!request.path.starts_with(kPrefix) || !method) {
    return reply(routing_error(404, "no such method: see docs/server-api.md"));
  }
  if (request.method != "POST") {
    http::Reply refused = routing_error(405, "use POST");
    refused.headers.emplace_back("Allow", "POST");
    return reply(std::move(refused));
  }
  hub::Result<ApiCommand> command = parse_api_command(*method, request.body, options_);
  if (!command) {
    spdlog::debug("api: {}: {}", name, command.error().message);
    return reply(http::Reply{400, "application/json", error_body(command.error().code, command.error().message), {}});
  }
  api_.execute(std::move(*command), [reply = std::move(reply), method = *method](hub::Result<std::string> result) {
    if (result) return reply(json_reply(200, std::move(*result)));
    const hub::Error& error = result.error();
    int status = http_status_for(error.code);
    if (status >= 500) {
      spdlog::warn("api: {} failed: {} ({})", method_name(method), error.message, error.code);
    } else {
      spdlog::debug("api: {} refused: {} ({})", method_name(method), error.message, error.code);
    }
    std::string_view message = error.message.empty() ? hub::error_message(static_cast<hub::ErrorCode>(error.code))
                                                     : std::string_view(error.message);
    reply(http::Reply{status, "application/json", error_body(error.code, message), {}});
  });
}

}  // namespace wshub::api
