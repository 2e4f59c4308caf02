#pragma once
// ws:// and wss:// URLs (RFC 6455 §3): scheme, host, port (80/443 by default) and the request
// target. Strict for the same reason as http/Url.h: the parts go verbatim into the request line
// and the Host header, so user-info, spaces, control characters and empty ports are refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::client {

struct WsUrl {
  bool secure = false;  // wss
  std::string host;     // without brackets for IPv6
  uint16_t port = 80;
  std::string path = "/";  // path and query; the fragment is dropped (§3: not allowed)
};

std::optional<WsUrl> parse_ws_url(std::string_view text);

// The Host header: brackets around IPv6, the port unless it is the scheme's default.
std::string host_header(const WsUrl& url);

}  // namespace wshub::client
