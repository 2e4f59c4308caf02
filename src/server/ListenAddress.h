#pragma once
// The [server] listen value: "HOST:PORT" where HOST is an IPv4 address ("0.0.0.0"),
// a bracketed IPv6 address ("[::1]", brackets because the colons would otherwise be
// ambiguous with the port) or a host name ("localhost"). Names are resolved at start-up,
// not here: parsing stays pure and testable.
#include <optional>
#include <string>
#include <string_view>

#include "server/Config.h"

namespace wshub::server {

// Returns the host (IPv6 without brackets) and port, or nullopt with `error` set to a
// sentence saying what is wrong. Port 0 is accepted: the kernel picks one (tests use it).
std::optional<ListenConfig> parse_listen_address(std::string_view text, std::string& error);

// The inverse: "0.0.0.0:8000", "[::1]:8080", "localhost:8000".
std::string format_listen_address(const ListenConfig& listen);

}  // namespace wshub::server
