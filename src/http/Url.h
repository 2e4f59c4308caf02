#pragma once
// Back-end URLs from the configuration ("http://10.0.0.7:8080/rpc"), parsed once at start-up.
//
// Only http:// is accepted for now. https:// needs a client side for net::TlsTransport (SNI and certificate
// verification) and is refused here so that a configuration asking for TLS never silently gets plain TCP.
//
// Deliberately strict, because the parts are written verbatim into the request line and Host header:
//   - the host is an IPv4 address, a bracketed IPv6 address without a zone ("[::1]"), or a DNS name of
//     letters, digits, '-', '.' and '_'; no user-info ("user@host");
//   - the port, when present, is 1..65535 (an empty port after ':' is refused, not defaulted);
//   - the path with its query is printable ASCII without spaces; a fragment is dropped (RFC 3986 §3.5: it is
//     never sent); a missing path is "/".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::http {

struct Url {
  std::string host;  // without brackets for IPv6 ("::1")
  uint16_t port = 80;
  std::string path = "/";  // origin-form request-target: path and query
};

std::optional<Url> parse_url(std::string_view text);

// The Host header value for `url` (RFC 9110 §7.2): brackets around IPv6, the port unless it is 80.
std::string host_header(const Url& url);

}  // namespace wshub::http
