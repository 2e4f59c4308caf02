#pragma once
// The URLs wshub-bench dials: ws://, wss:// and (for the server API) http://. Loopback
// benchmarks only, so no IPv6 literals and no user info.
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::bench {

struct Url {
  std::string scheme;  // "ws", "wss" or "http"
  std::string host;
  uint16_t port = 0;
  std::string path = "/";  // with the query, if any

  bool tls() const { return scheme == "wss"; }
  std::string host_header() const { return host + ":" + std::to_string(port); }
};

// Fills `url` from text; false when the scheme is not one of the three or the port is bad.
bool parse_url(std::string_view text, Url& url);

}  // namespace wshub::bench
