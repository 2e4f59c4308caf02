#include "server/ConnectionLimits.h"

#include <netinet/in.h>

#include <cstring>

#include "http/Response.h"

namespace wshub::server {

std::string_view refusal_message(ConnectionRefusal refusal) {
  switch (refusal) {
    case ConnectionRefusal::none:
      return "admitted";
    case ConnectionRefusal::accept_rate:
      return "too many new connections, retry later";
    case ConnectionRefusal::total:
      return "too many connections";
    case ConnectionRefusal::per_ip:
      return "too many connections from this address";
  }
  return "refused";
}

std::string refusal_response(ConnectionRefusal refusal) {
  std::string body = R"({"error":{"code":111,"message":")" + std::string(refusal_message(refusal)) + "\"}}\n";
  const http::Header retry_after{"Retry-After", "1"};
  return http::make_response(429, "application/json", body, false, std::span(&retry_after, 1));
}

ConnectionLimits::ConnectionLimits(const LimitsConfig& config)
    : accept_rate_{static_cast<double>(config.accept_rate), static_cast<double>(config.accept_burst)},
      websockets_(config.max_connections, config.max_connections_per_ip) {
  accept_bucket_.fill(net::TokenBucket::Clock::now());
}

bool ConnectionLimits::accept_allowed(net::TokenBucket::Clock::time_point now) {
  if (accept_rate_.unlimited()) return true;
  std::lock_guard lock(accept_mutex_);
  return accept_bucket_.try_take(accept_rate_, now);
}

ConnectionRefusal ConnectionLimits::admit_websocket(const sockaddr_storage& peer) {
  std::string key = websockets_.max_per_key() != 0 ? address_key(peer) : std::string();
  switch (websockets_.acquire(key)) {
    case net::ConnectionTable::Admission::admitted:
      return ConnectionRefusal::none;
    case net::ConnectionTable::Admission::total_full:
      return ConnectionRefusal::total;
    case net::ConnectionTable::Admission::key_full:
      return ConnectionRefusal::per_ip;
  }
  return ConnectionRefusal::total;
}

void ConnectionLimits::release_websocket(const sockaddr_storage& peer) {
  websockets_.release(websockets_.max_per_key() != 0 ? address_key(peer) : std::string());
}

std::string ConnectionLimits::address_key(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
    return std::string(reinterpret_cast<const char*>(&v4.sin_addr), 4);
  }
  if (peer.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
    const auto* bytes = reinterpret_cast<const char*>(&v6.sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return std::string(bytes + 12, 4);
    return std::string(bytes, 16);
  }
  return std::string();  // other families (unix sockets) share one key
}

}  // namespace wshub::server
