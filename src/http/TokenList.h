#pragma once
// Comma-separated lists of header values (RFC 9110 §5.6.1): `#token` with optional whitespace around the
// commas and empty elements allowed ("a, , b" is two elements). Used for Connection, Upgrade,
// Transfer-Encoding and Sec-WebSocket-Protocol. Quoted strings are not special here: none of those headers
// allow them, and Sec-WebSocket-Extensions (which does) is parsed by ws/DeflateNegotiation instead.
#include <string_view>

namespace wshub::http {

// Calls `f(element)` for each non-empty, OWS-trimmed element in order. `f` returns false to stop early.
template <typename F>
constexpr void for_each_list_element(std::string_view list, F&& f) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
    if (!element.empty() && !f(element)) return;
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// True when some element equals `token`, compared case-insensitively (tokens such as "upgrade", "close",
// "websocket" are case-insensitive by their RFCs).
bool list_contains_token(std::string_view list, std::string_view token);

}  // namespace wshub::http
