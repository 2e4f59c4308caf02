#pragma once
// NATS subject names of the NATS broker (NatsBroker.h). A wshub channel name may hold any
// byte a client sends ('.', '*', '>', spaces, UTF-8), and NATS gives '.' (token separator),
// '*' and '>' (wildcards) and whitespace a meaning, so a channel is never put in a subject
// as it is: it is encoded as one token of base64url without padding ([A-Za-z0-9_-], all
// valid in a subject token), which is reversible and at most 4/3 of the name's length
// (a 255-byte channel is a 340-byte token, far below NATS's 4 KiB control line).
//
//   <prefix>.c.<base64url(channel)>   a channel's publications, joins and leaves
//   <prefix>.control                  user messages and user commands (every node)
#include <optional>
#include <string>
#include <string_view>

namespace wshub::broker::nats_subject {

std::string channel_subject(std::string_view prefix, std::string_view channel);
std::string control_subject(std::string_view prefix);

// The channel named by a subject from channel_subject() with the same prefix; empty
// optional for any other subject or a malformed token.
std::optional<std::string> channel_of(std::string_view prefix, std::string_view subject);

// base64url without padding, and its inverse (nullopt on a character outside the alphabet
// or an impossible length).
std::string encode_token(std::string_view bytes);
std::optional<std::string> decode_token(std::string_view token);

// Whether `prefix` is usable as the start of a subject: dot-separated tokens of
// [A-Za-z0-9_-], none empty (a configuration check).
bool valid_prefix(std::string_view prefix);

}  // namespace wshub::broker::nats_subject
