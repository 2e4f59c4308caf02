#include "http/ResolvedEndpoint.h"

#include <netdb.h>

#include <cstring>

#include "net/Socket.h"

namespace wshub::http {

std::optional<ResolvedEndpoint> resolve(const Url& url, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(url.port);
  const int rc = getaddrinfo(url.host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    error = "cannot resolve '" + url.host + "': " + (rc != 0 ? gai_strerror(rc) : "no address");
    return std::nullopt;
  }
  ResolvedEndpoint endpoint;
  std::memcpy(&endpoint.address, result->ai_addr, result->ai_addrlen);
  endpoint.address_length = static_cast<socklen_t>(result->ai_addrlen);
  freeaddrinfo(result);
  endpoint.host_header = host_header(url);
  endpoint.pool_key = net::format_address(endpoint.address) + " " + endpoint.host_header;
  return endpoint;
}

}  // namespace wshub::http
