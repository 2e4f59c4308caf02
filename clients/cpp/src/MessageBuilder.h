#pragma once
// Client → server messages of docs/protocol.md as JSON text. Field values chosen by the
// application (channels, tokens, types) are escaped; payloads are the application's JSON text,
// written verbatim (the server validates them and refuses the whole message otherwise).
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::client {

// Appends `text` as a JSON string (RFC 8259 §7): quotes, backslash and control characters
// escaped; other bytes as they are (the server checks UTF-8).
void append_json_string(std::string& out, std::string_view text);

struct Recover {
  uint64_t offset = 0;
  std::string epoch;
};

std::string build_connect(uint64_t id, std::string_view token, std::string_view data_json);
std::string build_subscribe(uint64_t id, std::string_view channel, const Recover* recover,
                            std::string_view token);
std::string build_unsubscribe(uint64_t id, std::string_view channel);
std::string build_publish(uint64_t id, std::string_view channel, std::string_view payload_json,
                          std::string_view message_type);
// `type` is "presence" or "presence_stats".
std::string build_channel_request(std::string_view type, uint64_t id, std::string_view channel);
std::string build_history(uint64_t id, std::string_view channel, uint64_t limit, const Recover* since,
                          bool reverse);
std::string build_ping(const uint64_t* id);
std::string build_refresh(uint64_t id, std::string_view token);
// An application request; an empty `payload_json` sends no payload.
std::string build_request(std::string_view type, uint64_t id, std::string_view payload_json);

}  // namespace wshub::client
