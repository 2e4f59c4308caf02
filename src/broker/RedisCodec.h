#pragma once
// How the Redis broker stores and carries hub values: a compact binary body (length-prefixed
// fields, so payloads may hold any byte), encoded once by the publishing thread and decoded
// once per receiving node.
//
//   publication body   flags(1) type payload [client user info]   (flags: 1 = from, 2 = msgpack)
//   history entry      "<offset>:<publish time ms>:" body          (a member of the stream zset)
//   channel message    'e' epoch ':' entry | 'p' entry (no history) | 'j' client | 'l' client
//                      (one Redis channel per channel)
//   control message    'm' user body | 'c' kind(1) code(2) reconnect(1) user channel reason
// where each string field is a 4-byte little-endian length and the bytes. The entry's text
// prefix is what the Lua scripts read (offset order, TTL); they never look at the body.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/Broker.h"
#include "hub/Publication.h"

namespace wshub::broker::redis_codec {

std::string encode_publication_body(const hub::Publication& publication);
// `entry` is "<offset>:<time>:" body; fills everything but the channel.
bool decode_entry(std::string_view entry, hub::Publication& out);

std::string encode_client(const hub::ClientInfo& client);
bool decode_client(std::string_view bytes, hub::ClientInfo& out);

std::string encode_user_message(const std::string& user, const hub::Publication& message);
std::string encode_user_command(const hub::UserCommand& command);

// A decoded control-channel message: a user message or a user command.
struct ControlMessage {
  bool is_command = false;
  std::string user;
  hub::Publication message;  // user message
  hub::UserCommand command;  // user command
};
bool decode_control(std::string_view bytes, ControlMessage& out);

}  // namespace wshub::broker::redis_codec
