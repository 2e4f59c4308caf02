#pragma once
// The wshub protocol's stable numbers: error codes in `{"type":"error"}` replies and
// close codes (4000-4999) for disconnects. Codes are never renumbered or reused; the
// table in docs/protocol.md and clients/js mirror this file.
#include <cstdint>
#include <string_view>

namespace wshub::hub {

enum class ErrorCode : uint32_t {
  internal = 100,            // a bug or an unexpected failure on our side
  unauthorized = 101,        // needs an authenticated connection, or a bad token
  unknown_channel = 102,     // no namespace of that name
  permission_denied = 103,   // the namespace or token does not allow it
  unknown_type = 104,        // no handler for this application message type
  already_subscribed = 105,  //
  limit_exceeded = 106,      // subscriptions per connection, channel name length, payload size, ...
  bad_request = 107,         // malformed JSON/MessagePack, missing or mistyped field
  not_available = 108,       // the namespace has the feature off (presence, history, publishing)
  token_expired = 109,       //
  not_subscribed = 110,      // unsubscribe from a channel the connection is not in
  too_many_requests = 111,   // rate limit; the request was not processed
  backend_error = 112,       // the type's backend failed or timed out
  unavailable = 113,         // the broker cannot serve it now; retry later
  not_connected = 114,       // a request before `connect` where connect is required
};

constexpr uint32_t code(ErrorCode c) { return static_cast<uint32_t>(c); }
std::string_view error_message(ErrorCode c);

// Close codes of the wshub protocol (RFC 6455 §7.4.2 leaves 4000-4999 to applications).
// `reconnect` is the advice given to clients: false means "do not reconnect until
// something changes" (a new token, a fixed client).
struct DisconnectReason {
  uint16_t code;
  std::string_view reason;
  bool reconnect;
};

namespace disconnect {
inline constexpr DisconnectReason normal{4000, "normal", false};
inline constexpr DisconnectReason unauthorized{4001, "unauthorized", false};
inline constexpr DisconnectReason bad_request{4002, "bad request", false};
inline constexpr DisconnectReason forbidden{4003, "forbidden", false};
inline constexpr DisconnectReason token_expired{4004, "token expired", true};
inline constexpr DisconnectReason connect_timeout{4005, "connect timeout", true};
inline constexpr DisconnectReason slow_consumer{4008, "slow consumer", true};
inline constexpr DisconnectReason message_too_big{4009, "message too big", false};
inline constexpr DisconnectReason too_many_requests{4029, "too many requests", true};
inline constexpr DisconnectReason shutdown{4500, "server shutting down", true};
inline constexpr DisconnectReason internal{4501, "internal error", true};
inline constexpr DisconnectReason insufficient_state{4502, "insufficient state", true};
}  // namespace disconnect

}  // namespace wshub::hub
