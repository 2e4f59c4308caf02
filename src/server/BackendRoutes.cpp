#include "server/BackendRoutes.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "hub/JsonString.h"
#include "hub/PayloadConversion.h"
#include "server/Logging.h"
#include "server/Server.h"

namespace wshub::server {

namespace {

hub::Error backend_error(std::string message) {
  return hub::Error{hub::code(hub::ErrorCode::backend_error), std::move(message)};
}

}  // namespace

hub::Result<BackendAnswer> parse_backend_answer(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return backend_error("the back-end's answer is not a JSON object");
  }
  BackendAnswer answer;
  simdjson::dom::element field;
  if (root["reply"].get(field) == simdjson::SUCCESS) answer.reply = simdjson::minify(field);
  if (root["error"].get(field) == simdjson::SUCCESS) {
    uint64_t error_code = 0;
    std::string_view message;
    if (field["code"].get(error_code) != simdjson::SUCCESS || field["message"].get(message) != simdjson::SUCCESS) {
      return backend_error("the back-end's error needs a numeric code and a message");
    }
    answer.error = hub::Error{static_cast<uint32_t>(error_code), std::string(message)};
  }
  if (root["publish"].get(field) == simdjson::SUCCESS) {
    simdjson::dom::array list;
    if (field.get(list) != simdjson::SUCCESS) return backend_error("the back-end's publish must be an array");
    for (simdjson::dom::element item : list) {
      std::string_view channel;
      simdjson::dom::element payload;
      if (item["channel"].get(channel) != simdjson::SUCCESS || item["payload"].get(payload) != simdjson::SUCCESS) {
        return backend_error("each publication of the back-end needs a channel and a payload");
      }
      hub::Publication publication;
      publication.channel = std::string(channel);
      std::string_view type;
      if (item["type"].get(type) == simdjson::SUCCESS) publication.type = std::string(type);
      publication.payload = hub::Payload{hub::Encoding::json, simdjson::minify(payload)};
      answer.publish.push_back(std::move(publication));
    }
  }
  return answer;
}

BackendRoutes::BackendRoutes(const Config& config, std::vector<net::EventLoop*> loops) {
  for (const auto& [type, text] : config.routes) {
    std::optional<http::Url> url = http::parse_url(text);
    if (!url) throw StartupError("routes." + type + ": not a valid http:// URL: " + text);
    std::string error;
    std::optional<http::ResolvedEndpoint> endpoint = http::resolve(*url, error);
    if (!endpoint) throw StartupError("routes." + type + ": " + error);
    routes_.push_back(Route{type, std::move(*endpoint), url->path});
  }
  if (routes_.empty()) return;
  http::HttpClientOptions options;
  options.timeout = config.backend.timeout;
  options.max_connections_per_origin = config.backend.max_connections;
  options.max_queued = config.backend.max_pending;
  for (net::EventLoop* loop : loops) clients_.push_back(std::make_unique<http::HttpClient>(*loop, options));
}

BackendRoutes::~BackendRoutes() = default;

void BackendRoutes::install(hub::Hub& hub) {
  for (const Route& route : routes_) {
    hub.on(route.type, [this, &hub, &route](const hub::MessageContext& context, hub::Responder responder) {
      call(hub, route, context, std::move(responder));
    });
  }
}

void BackendRoutes::call(hub::Hub& hub, const Route& route, const hub::MessageContext& context,
                         hub::Responder responder) {
  std::string body = "{\"client\":";
  hub::append_json_string(body, context.client);
  body += ",\"user\":";
  hub::append_json_string(body, context.user);
  body += ",\"type\":";
  hub::append_json_string(body, context.type);
  body += ",\"payload\":";
  if (context.payload.empty()) {
    body += "null";
  } else if (!hub::convert_payload(context.encoding, context.payload, hub::Encoding::json, body).ok()) {
    return responder.fail(hub::ErrorCode::bad_request, "payload: cannot be converted to JSON for the back-end");
  }
  body += '}';
  // The Responder is move-only and the HTTP callback must be copyable: keep it on the heap.
  auto shared = std::make_shared<hub::Responder>(std::move(responder));
  std::string type(context.type);
  clients_[context.worker]->post(
      route.endpoint, route.path, "application/json", std::move(body),
      [&hub, shared, type](const http::HttpResponse* response, const http::HttpClientError* error) {
        if (error) {
          component_log(LogComponent::backend).warn("route {}: back-end call failed: {}", type, error->message);
          return shared->fail(hub::ErrorCode::backend_error, "back-end unavailable");
        }
        if (response->status < 200 || response->status > 299) {
          component_log(LogComponent::backend).warn("route {}: back-end answered {}", type, response->status);
          return shared->fail(hub::ErrorCode::backend_error, "back-end error");
        }
        hub::Result<BackendAnswer> answer = parse_backend_answer(response->body);
        if (!answer.ok()) {
          component_log(LogComponent::backend).warn("route {}: {}", type, answer.error().message);
          return shared->fail(hub::ErrorCode::backend_error, answer.error().message);
        }
        for (hub::Publication& publication : answer->publish) {
          std::string channel = publication.channel;
          hub.publish(std::move(publication), [channel](hub::Result<hub::StreamPosition> r) {
            if (!r.ok()) component_log(LogComponent::backend).warn("route publish to {}: {}", channel, r.error().message);
          });
        }
        if (answer->error) return shared->fail(static_cast<hub::ErrorCode>(answer->error->code), answer->error->message);
        shared->reply(hub::Payload{hub::Encoding::json, answer->reply.value_or("")});
      });
}

}  // namespace wshub::server
