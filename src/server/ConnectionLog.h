#pragma once
// The two lines every WebSocket of the wshub protocol writes, on the "conn" component at
// info (log.components = ["conn=warn"] silences them):
//
//   connection open: client=k3j9x0ab-0-17 user=alice remote=10.0.0.7:52144 subprotocol=wshub.json
//   connection closed: client=k3j9x0ab-0-17 user=alice remote=10.0.0.7:52144 duration=12.345s code=1000 reason="bye"
//
// Exactly one of each per connection, whatever ends it. `user` is "-" while anonymous
// (a `connect` may name the user later: the close line has it). Tokens are never
// written; the reason is the close frame's, with control characters and quotes replaced
// so a peer cannot forge log lines.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::server {

struct ConnectionLogEntry {
  std::string_view client;
  std::string_view user;
  std::string_view remote;
  std::string_view subprotocol;
};

void log_connection_open(const ConnectionLogEntry& entry);
void log_connection_closed(const ConnectionLogEntry& entry, std::chrono::nanoseconds duration, uint16_t code,
                           std::string_view reason);

// The close reason made safe for one log line: printable ASCII kept, `"` and `\` and
// anything else replaced by '?' (a reason is at most 123 bytes, RFC 6455 §5.5).
std::string sanitize_log_text(std::string_view text);

}  // namespace wshub::server
