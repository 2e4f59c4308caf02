#include "http/Url.h"

#include <charconv>

#include "http/Ascii.h"

namespace wshub::http {

namespace {

bool is_name_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

// Printable ASCII except space: what may stand in a request-target on the wire.
bool is_target_char(char c) {
  return c > ' ' && c < 0x7f;
}

}  // namespace

std::optional<Url> parse_url(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || !iequals(text.substr(0, kScheme.size()), kScheme)) return std::nullopt;
  text.remove_prefix(kScheme.size());

  text = text.substr(0, text.find('#'));
  const size_t authority_end = text.find_first_of("/?");
  std::string_view authority = text.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? "" : text.substr(authority_end);

  Url url;
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
    if (host.find(':') == std::string_view::npos) return std::nullopt;
    for (char c : host) {
      if (!is_ipv6_char(c)) return std::nullopt;
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    for (char c : host) {
      if (!is_name_char(c)) return std::nullopt;  // also refuses '@' (user-info) and a second ':'
    }
  }
  if (host.empty()) return std::nullopt;
  url.host = std::string(host);

  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return std::nullopt;
    url.port = static_cast<uint16_t>(value);
  }

  for (char c : target) {
    if (!is_target_char(c)) return std::nullopt;
  }
  if (target.empty()) {
    url.path = "/";
  } else if (target.front() == '?') {
    url.path = "/" + std::string(target);  // "http://h?x" is "/?x" (RFC 9112 §3.2.1: the path is never empty)
  } else {
    url.path = std::string(target);
  }
  return url;
}

std::string host_header(const Url& url) {
  std::string out = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != 80) out += ":" + std::to_string(url.port);
  return out;
}

}  // namespace wshub::http
