// fuzz-layer: api
// The server API's request decoder under arbitrary bodies, for every method: it either
// returns a command or a bad_request error naming a field, never anything else. Input: the
// first byte picks the method, the rest is the body. A decoded payload must be one JSON
// value that a fresh parse accepts (it is what subscribers receive).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/ApiCommandParser.h"
#include "hub/ErrorCode.h"

using namespace wshub;

namespace {

constexpr api::Method kMethods[] = {
    api::Method::publish,  api::Method::broadcast, api::Method::send,           api::Method::subscribe,
    api::Method::unsubscribe, api::Method::disconnect, api::Method::presence,   api::Method::presence_stats,
    api::Method::history,  api::Method::history_remove, api::Method::channels,  api::Method::info,
    api::Method::batch,    api::Method::connections,
};

void check_payload(const std::string& json) {
  static simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json).get(e)) std::abort();  // a payload we accepted does not parse back
}

void check(const api::ApiCommand& command) {
  if (auto* p = std::get_if<api::PublishParams>(&command.params)) {
    if (p->channel.empty()) std::abort();
    check_payload(p->payload);
  } else if (auto* b = std::get_if<api::BroadcastParams>(&command.params)) {
    if (b->channels.empty()) std::abort();
    check_payload(b->payload);
  } else if (auto* s = std::get_if<api::SendParams>(&command.params)) {
    if (s->user.empty()) std::abort();
    check_payload(s->payload);
  } else if (auto* d = std::get_if<api::DisconnectParams>(&command.params)) {
    if (d->code < 4000 || d->code > 4999 || d->reason.size() > 123) std::abort();
  } else if (auto* c = std::get_if<api::ConnectionsParams>(&command.params)) {
    if (c->limit < 1 || c->limit > api::ConnectionsParams::kMaxLimit) std::abort();
  } else if (auto* batch = std::get_if<api::BatchParams>(&command.params)) {
    if (batch->commands.empty()) std::abort();
    for (const api::ApiCommand& c : batch->commands) {
      if (c.method == api::Method::batch) std::abort();
      check(c);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  api::Method method = kMethods[data[0] % std::size(kMethods)];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  hub::Result<api::ApiCommand> command = api::parse_api_command(method, body);
  if (!command) {
    if (command.error().code != hub::code(hub::ErrorCode::bad_request) || command.error().message.empty()) std::abort();
    return 0;
  }
  check(*command);
  return 0;
}
