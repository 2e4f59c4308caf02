#pragma once
// Close status codes (RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number" registry).
// Plain uint16_t constants rather than an enum: the wire carries any 16-bit value, and the
// application range 3000-4999 is open-ended, so the handler API deals in uint16_t.
#include <cstdint>
#include <string_view>

namespace wshub::ws::close_code {

inline constexpr uint16_t normal = 1000;
inline constexpr uint16_t going_away = 1001;
inline constexpr uint16_t protocol_error = 1002;
inline constexpr uint16_t unsupported_data = 1003;
// 1004 is reserved with no meaning.
// Never sent on the wire: 1005 stands for "the close frame had no status", 1006 for "the
// connection dropped without a close frame", 1015 for "the TLS handshake failed".
inline constexpr uint16_t no_status = 1005;
inline constexpr uint16_t abnormal = 1006;
inline constexpr uint16_t invalid_payload = 1007;
inline constexpr uint16_t policy_violation = 1008;
inline constexpr uint16_t message_too_big = 1009;
inline constexpr uint16_t mandatory_extension = 1010;
inline constexpr uint16_t internal_error = 1011;
inline constexpr uint16_t service_restart = 1012;
inline constexpr uint16_t try_again_later = 1013;
inline constexpr uint16_t bad_gateway = 1014;
inline constexpr uint16_t tls_handshake = 1015;

}  // namespace wshub::ws::close_code

namespace wshub::ws {

// Whether a peer may send `code` in a close frame (RFC 6455 §7.4). Valid: 1000-1003,
// 1007-1014 (the registered codes a peer may send) and 3000-4999 (libraries and
// applications). Everything else is a protocol error: below 1000 is unused, 1004-1006 and
// 1015 must never appear on the wire, 1016-2999 are reserved for future RFCs (a receiver
// cannot know their meaning yet) and 5000+ does not exist.
bool is_valid_received_close_code(uint16_t code);

// A short name for logs and metrics ("normal", "protocol_error", ...); "application" for
// 3000-4999 and "unknown" otherwise.
std::string_view close_code_name(uint16_t code);

}  // namespace wshub::ws
