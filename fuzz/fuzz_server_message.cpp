// fuzz-layer: client
// The C++ client's decoder of server messages (clients/cpp/src/ServerMessage) under arbitrary
// bytes: what a hostile or broken server could send. Checks that it never crashes or leaks, that
// a message it accepts has a type, and that payloads and infos it keeps are themselves JSON that
// it can parse again (they are handed to the application as JSON text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../clients/cpp/src/ServerMessage.h"

using wshub::client::ServerMessage;
using wshub::client::ServerMessageParser;

namespace {

void check_json(ServerMessageParser& parser, const std::string& text) {
  if (text.empty()) return;
  std::vector<ServerMessage> again;
  // Any value is valid JSON; wrapped so that the parser, which wants objects, reads it.
  if (!parser.parse("{\"type\":\"t\",\"payload\":" + text + "}", again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ServerMessageParser parser;
  static ServerMessageParser checker;
  std::vector<ServerMessage> out;
  if (!parser.parse(std::string_view(reinterpret_cast<const char*>(data), size), out)) return 0;
  for (const ServerMessage& m : out) {
    if (m.type.empty()) std::abort();
    if (m.has_payload) check_json(checker, m.payload_json);
    check_json(checker, m.info_json);
    for (const auto& c : m.clients) check_json(checker, c.info_json);
    for (const auto& p : m.publications) check_json(checker, p.payload_json);
  }
  return 0;
}
