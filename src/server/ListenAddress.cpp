#include "server/ListenAddress.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>

namespace wshub::server {
namespace {

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// RFC 1123 §2.1 host names: dot-separated labels of letters, digits and hyphens,
// 1..63 characters each, not starting or ending with a hyphen; 253 characters in all.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

std::optional<ListenConfig> parse_listen_address(std::string_view text, std::string& error) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::string host;
  std::string_view rest;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "listen address " + quoted + " has '[' without ']'";
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    if (!is_ipv6(host)) {
      error = "listen address " + quoted + ": '" + host + "' is not an IPv6 address";
      return std::nullopt;
    }
    rest = text.substr(close + 1);
    if (!rest.starts_with(':')) {
      error = "listen address " + quoted + " has no port; expected \"[IPV6]:PORT\", e.g. \"[::1]:8080\"";
      return std::nullopt;
    }
    rest.remove_prefix(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      error = "listen address " + quoted + " has no port; expected \"HOST:PORT\", e.g. \"0.0.0.0:8000\"";
      return std::nullopt;
    }
    if (text.find(':') != colon) {
      error = "listen address " + quoted + ": an IPv6 address needs brackets, e.g. \"[::1]:8080\"";
      return std::nullopt;
    }
    host = std::string(text.substr(0, colon));
    rest = text.substr(colon + 1);
    if (host.empty()) {
      error = "listen address " + quoted + " has no host; use \"0.0.0.0:PORT\" for every IPv4 interface";
      return std::nullopt;
    }
    bool numeric = host.find_first_not_of("0123456789.") == std::string::npos;
    if (numeric ? !is_ipv4(host) : !is_host_name(host)) {
      error = "listen address " + quoted + ": '" + host + "' is neither an IPv4 address nor a host name";
      return std::nullopt;
    }
  }
  unsigned port = 0;
  auto [end, parse_error] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
  if (rest.empty() || parse_error != std::errc() || end != rest.data() + rest.size() || port > 65535) {
    error = "listen address " + quoted + ": port '" + std::string(rest) + "' is not a number from 0 to 65535";
    return std::nullopt;
  }
  return ListenConfig{std::move(host), static_cast<uint16_t>(port)};
}

std::string format_listen_address(const ListenConfig& listen) {
  if (listen.host.find(':') != std::string::npos)
    return "[" + listen.host + "]:" + std::to_string(listen.port);
  return listen.host + ":" + std::to_string(listen.port);
}

}  // namespace wshub::server
