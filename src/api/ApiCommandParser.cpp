#include "api/ApiCommandParser.h"

#include <simdjson.h>

#include <array>

#include "hub/ErrorCode.h"
#include "hub/PayloadConversion.h"

namespace wshub::api {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;
using hub::Error;
using hub::ErrorCode;
using hub::Result;

constexpr std::array<std::pair<std::string_view, Method>, 14> kMethods{{
    {"publish", Method::publish},
    {"broadcast", Method::broadcast},
    {"send", Method::send},
    {"subscribe", Method::subscribe},
    {"unsubscribe", Method::unsubscribe},
    {"disconnect", Method::disconnect},
    {"presence", Method::presence},
    {"presence_stats", Method::presence_stats},
    {"history", Method::history},
    {"history_remove", Method::history_remove},
    {"channels", Method::channels},
    {"info", Method::info},
    {"connections", Method::connections},
    {"batch", Method::batch},
}};

Error bad(std::string message) { return Error{hub::code(ErrorCode::bad_request), std::move(message)}; }

// Reads the fields of one params object; the first problem wins and names its field.
class Fields {
 public:
  explicit Fields(object o) : object_(o) {}

  std::optional<Error> error;

  bool has(std::string_view name) {
    element e;
    return !object_.at_key(name).get(e);
  }

  std::string string(std::string_view name, bool required) {
    element e;
    if (object_.at_key(name).get(e)) {
      if (required) fail(name, "required");
      return {};
    }
    std::string_view s;
    if (e.get_string().get(s)) {
      fail(name, "must be a string");
      return {};
    }
    if (required && s.empty()) fail(name, "must not be empty");
    return std::string(s);
  }

  std::optional<uint64_t> uint(std::string_view name) {
    element e;
    if (object_.at_key(name).get(e)) return std::nullopt;
    uint64_t v;
    if (e.get_uint64().get(v)) {
      fail(name, "must be a non-negative integer");
      return std::nullopt;
    }
    return v;
  }

  bool boolean(std::string_view name) {
    element e;
    if (object_.at_key(name).get(e)) return false;
    bool v;
    if (e.get_bool().get(v)) {
      fail(name, "must be true or false");
      return false;
    }
    return v;
  }

  // Any JSON value, kept as compact JSON text.
  std::string payload(std::string_view name) {
    element e;
    if (object_.at_key(name).get(e)) {
      fail(name, "required");
      return {};
    }
    std::string text = simdjson::minify(e);
    if (!within_depth(text)) fail(name, "nested too deeply");
    return text;
  }

  std::vector<std::string> strings(std::string_view name) {
    element e;
    simdjson::dom::array array;
    if (object_.at_key(name).get(e) || e.get_array().get(array)) {
      fail(name, "required: an array of strings");
      return {};
    }
    std::vector<std::string> out;
    for (element item : array) {
      std::string_view s;
      if (item.get_string().get(s) || s.empty()) {
        fail(name, "must hold non-empty strings");
        return {};
      }
      out.emplace_back(s);
    }
    if (out.empty()) fail(name, "must not be empty");
    return out;
  }

  std::optional<hub::StreamPosition> position(std::string_view name) {
    element e;
    if (object_.at_key(name).get(e)) return std::nullopt;
    object o;
    if (e.get_object().get(o)) {
      fail(name, "must be an object {\"offset\",\"epoch\"}");
      return std::nullopt;
    }
    Fields inner(o);
    hub::StreamPosition p;
    p.offset = inner.uint("offset").value_or(0);
    p.epoch = inner.string("epoch", false);
    if (inner.error) fail(name, inner.error->message);
    return p;
  }

  void fail(std::string_view name, std::string_view what) {
    if (!error) error = bad(std::string(name) + ": " + std::string(what));
  }

 private:
  // The same nesting bound as client payloads (kMaxPayloadDepth): what is accepted
  // converts to MessagePack for every subscriber.
  static bool within_depth(std::string_view json) {
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (char c : json) {
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > hub::kMaxPayloadDepth) return false;
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
    return true;
  }

  object object_;
};

Result<ApiCommand> decode(Method method, object params, const ParserOptions& options, bool nested);

Result<ApiCommand> decode_batch(object params, const ParserOptions& options) {
  element e;
  simdjson::dom::array array;
  if (params.at_key("commands").get(e) || e.get_array().get(array)) {
    return bad("commands: required: an array of {\"method\",\"params\"}");
  }
  BatchParams batch;
  size_t index = 0;
  for (element item : array) {
    std::string where = "commands[" + std::to_string(index++) + "]";
    if (batch.commands.size() >= options.max_batch) {
      return bad("commands: more than " + std::to_string(options.max_batch) + " commands");
    }
    object command;
    if (item.get_object().get(command)) return bad(where + ": must be an object");
    std::string_view name;
    element method_element;
    if (command.at_key("method").get(method_element) || method_element.get_string().get(name)) {
      return bad(where + ".method: required string");
    }
    std::optional<Method> method = method_from_name(name);
    if (!method) return bad(where + ".method: unknown method '" + std::string(name) + "'");
    if (*method == Method::batch) return bad(where + ".method: a batch cannot contain a batch");
    object inner;
    element params_element;
    if (command.at_key("params").get(params_element)) {
      // No params: an empty object (info, channels).
      static const simdjson::padded_string kEmpty("{}", 2);
      static thread_local simdjson::dom::parser empty_parser;
      if (empty_parser.parse(kEmpty).get_object().get(inner)) return bad(where + ".params: must be an object");
      Result<ApiCommand> decoded = decode(*method, inner, options, true);
      if (!decoded) return bad(where + "." + decoded.error().message);
      batch.commands.push_back(std::move(*decoded));
      continue;
    }
    if (params_element.get_object().get(inner)) return bad(where + ".params: must be an object");
    Result<ApiCommand> decoded = decode(*method, inner, options, true);
    if (!decoded) return bad(where + "." + decoded.error().message);
    batch.commands.push_back(std::move(*decoded));
  }
  if (batch.commands.empty()) return bad("commands: must not be empty");
  return ApiCommand{Method::batch, std::move(batch)};
}

Result<ApiCommand> decode(Method method, object params, const ParserOptions& options, bool nested) {
  Fields f(params);
  ApiCommand command;
  command.method = method;
  switch (method) {
    case Method::publish: {
      PublishParams p;
      p.channel = f.string("channel", true);
      p.type = f.string("type", false);
      p.payload = f.payload("payload");
      p.idempotency_key = f.string("idempotency_key", false);
      command.params = std::move(p);
      break;
    }
    case Method::broadcast: {
      BroadcastParams p;
      p.channels = f.strings("channels");
      p.type = f.string("type", false);
      p.payload = f.payload("payload");
      p.idempotency_key = f.string("idempotency_key", false);
      command.params = std::move(p);
      break;
    }
    case Method::send: {
      SendParams p;
      p.user = f.string("user", true);
      p.type = f.string("type", false);
      p.payload = f.payload("payload");
      command.params = std::move(p);
      break;
    }
    case Method::subscribe:
    case Method::unsubscribe: {
      UserChannelParams p;
      p.user = f.string("user", true);
      p.channel = f.string("channel", true);
      command.params = std::move(p);
      break;
    }
    case Method::disconnect: {
      DisconnectParams p;
      p.user = f.string("user", true);
      if (std::optional<uint64_t> code = f.uint("code")) {
        if (*code < 4000 || *code > 4999) f.fail("code", "must be a close code from 4000 to 4999");
        p.code = static_cast<uint16_t>(*code);
      }
      if (f.has("reason")) p.reason = f.string("reason", false);
      // A close frame's reason is at most 123 bytes (RFC 6455 §5.5).
      if (p.reason.size() > 123) f.fail("reason", "longer than 123 bytes");
      p.reconnect = f.boolean("reconnect");
      command.params = std::move(p);
      break;
    }
    case Method::presence:
    case Method::presence_stats:
    case Method::history_remove: {
      ChannelParams p;
      p.channel = f.string("channel", true);
      command.params = std::move(p);
      break;
    }
    case Method::history: {
      HistoryParams p;
      p.channel = f.string("channel", true);
      p.since = f.position("since");
      p.limit = f.uint("limit");
      p.reverse = f.boolean("reverse");
      command.params = std::move(p);
      break;
    }
    case Method::channels: {
      ChannelsParams p;
      p.pattern = f.string("pattern", false);
      command.params = std::move(p);
      break;
    }
    case Method::info:
      command.params = InfoParams{};
      break;
    case Method::connections: {
      ConnectionsParams p;
      p.user = f.string("user", false);
      p.channel = f.string("channel", false);
      if (std::optional<uint64_t> limit = f.uint("limit")) {
        if (*limit < 1 || *limit > ConnectionsParams::kMaxLimit) {
          f.fail("limit", "must be from 1 to " + std::to_string(ConnectionsParams::kMaxLimit));
        }
        p.limit = *limit;
      }
      command.params = std::move(p);
      break;
    }
    case Method::batch:
      if (nested) return bad("method: a batch cannot contain a batch");  // decode_batch checks first
      return decode_batch(params, options);
  }
  if (f.error) return *f.error;
  return command;
}

}  // namespace

std::optional<Method> method_from_name(std::string_view name) {
  for (const auto& [n, m] : kMethods) {
    if (n == name) return m;
  }
  return std::nullopt;
}

std::string_view method_name(Method method) {
  for (const auto& [n, m] : kMethods) {
    if (m == method) return n;
  }
  return "unknown";
}

Result<ApiCommand> parse_api_command(Method method, std::string_view body, const ParserOptions& options) {
  // One parser per thread: the workers decode requests concurrently, and a parser keeps
  // its buffers between documents.
  static thread_local simdjson::dom::parser parser;
  element root;
  if (body.empty()) body = "{}";
  if (auto error = parser.parse(body.data(), body.size()).get(root)) {
    return bad(std::string("body: not valid JSON (") + simdjson::error_message(error) + ")");
  }
  object params;
  if (root.get_object().get(params)) return bad("body: must be a JSON object");
  return decode(method, params, options, false);
}

}  // namespace wshub::api
