#pragma once
// Which browser origins may open a WebSocket (RFC 6455 §4.2.2 step 4, §10.2). Browsers always send Origin;
// a request without one comes from a non-browser client, which could forge any value anyway, so it is
// allowed: the policy protects users' browsers from cross-site pages, it does not authenticate clients.
//
// Patterns (from configuration):
//   "*"                         any origin, including "null"
//   "https://app.example.com"   exactly this scheme and host, default port only
//   "https://app.example.com:8443"  this port
//   "https://*.example.com"     any subdomain (one or more labels), not example.com itself
//   "http://localhost:*"        any port, or none
// Scheme and host compare case-insensitively; a port equal to the scheme's default (80, 443) is the same
// as no port, because browsers serialise origins without it.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::http {

class OriginPolicy {
 public:
  // Throws std::invalid_argument naming the first malformed pattern (configuration time only).
  explicit OriginPolicy(std::span<const std::string> patterns);

  // `origin` is the Origin header value; empty means the header was absent.
  bool allows(std::string_view origin) const;

 private:
  struct Pattern {
    std::string scheme;  // lower case
    std::string host;    // lower case; for a wildcard, the suffix after "*."
    bool any_subdomain = false;
    bool any_port = false;
    int port = -1;  // -1: the scheme's default
  };
  bool any_ = false;
  std::vector<Pattern> patterns_;
};

}  // namespace wshub::http
