#include "http/OriginPolicy.h"

#include <charconv>
#include <optional>
#include <stdexcept>

#include "http/Ascii.h"

namespace wshub::http {

namespace {

int default_port(std::string_view scheme) {
  if (iequals(scheme, "http") || iequals(scheme, "ws")) return 80;
  if (iequals(scheme, "https") || iequals(scheme, "wss")) return 443;
  return -1;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '[' || c == ']' || c == ':';
}

// An origin serialisation (RFC 6454 §6.2): scheme "://" host [ ":" port ], nothing else.
struct Origin {
  std::string_view scheme, host, port;  // port empty when absent; "*" allowed only in patterns
};

std::optional<Origin> split_origin(std::string_view s) {
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  Origin o{s.substr(0, sep), s.substr(sep + 3), {}};
  // An IPv6 literal contains colons; the port separator is the colon after its closing bracket.
  size_t search_from = 0;
  if (!o.host.empty() && o.host.front() == '[') {
    search_from = o.host.find(']');
    if (search_from == std::string_view::npos) return std::nullopt;
  }
  size_t colon = o.host.find(':', search_from);
  if (colon != std::string_view::npos) {
    o.port = o.host.substr(colon + 1);
    o.host = o.host.substr(0, colon);
    if (o.port.empty()) return std::nullopt;
  }
  if (o.host.empty()) return std::nullopt;
  for (char c : o.scheme) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.')) {
      return std::nullopt;
    }
  }
  return o;
}

// -1 for an absent port, -2 for a malformed one.
int parse_port(std::string_view port) {
  if (port.empty()) return -1;
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) return -2;
  return value;
}

}  // namespace

OriginPolicy::OriginPolicy(std::span<const std::string> patterns) {
  for (const std::string& text : patterns) {
    if (text == "*") {
      any_ = true;
      continue;
    }
    auto o = split_origin(text);
    if (!o) throw std::invalid_argument("malformed origin pattern: " + text);
    Pattern p;
    p.scheme = to_lower(o->scheme);
    std::string_view host = o->host;
    if (host.starts_with("*.")) {
      p.any_subdomain = true;
      host.remove_prefix(2);
    }
    if (host.empty() || host.find('*') != std::string_view::npos) {
      throw std::invalid_argument("malformed origin pattern: " + text);
    }
    for (char c : host) {
      if (!is_host_char(c)) throw std::invalid_argument("malformed origin pattern: " + text);
    }
    p.host = to_lower(host);
    if (o->port == "*") {
      p.any_port = true;
    } else {
      p.port = parse_port(o->port);
      if (p.port == -2) throw std::invalid_argument("malformed origin pattern: " + text);
      if (p.port == default_port(p.scheme)) p.port = -1;
    }
    patterns_.push_back(std::move(p));
  }
}

bool OriginPolicy::allows(std::string_view origin) const {
  if (origin.empty() || any_) return true;
  auto o = split_origin(origin);
  if (!o) return false;  // includes "null" (sandboxed or file:// pages): only "*" admits it
  if (o->host.front() == '.') return false;
  for (char c : o->host) {
    if (!is_host_char(c)) return false;
  }
  int port = parse_port(o->port);
  if (port == -2) return false;
  if (port == default_port(o->scheme)) port = -1;
  for (const Pattern& p : patterns_) {
    if (!iequals(o->scheme, p.scheme)) continue;
    if (!p.any_port && p.port != port) continue;
    if (p.any_subdomain) {
      // At least one label before the suffix: "*.example.com" admits "a.example.com", not "example.com"
      // nor "badexample.com".
      if (o->host.size() > p.host.size() + 1 && iends_with(o->host, p.host) &&
          o->host[o->host.size() - p.host.size() - 1] == '.') {
        return true;
      }
    } else if (iequals(o->host, p.host)) {
      return true;
    }
  }
  return false;
}

}  // namespace wshub::http
