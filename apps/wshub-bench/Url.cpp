#include "Url.h"

#include <charconv>

namespace wshub::bench {

bool parse_url(std::string_view text, Url& url) {
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return false;
  url.scheme = std::string(text.substr(0, scheme_end));
  uint16_t default_port = 0;
  if (url.scheme == "ws" || url.scheme == "http") {
    default_port = 80;
  } else if (url.scheme == "wss") {
    default_port = 443;
  } else {
    return false;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    url.host = std::string(authority);
    url.port = default_port;
  } else {
    url.host = std::string(authority.substr(0, colon));
    const std::string_view port = authority.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), url.port);
    if (ec != std::errc() || ptr != port.data() + port.size()) return false;
  }
  return !url.host.empty();
}

}  // namespace wshub::bench
