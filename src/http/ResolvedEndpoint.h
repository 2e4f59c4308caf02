#pragma once
// Where the HTTP client sends a request: one socket address and the Host header that goes with it.
//
// Name resolution (getaddrinfo) blocks, so it never runs on an event loop: resolve() is called once, when
// the configuration is loaded, and the client only ever connects to the address found then. The cost of that
// choice: a back-end that moves to another address needs a reload, and only the first address of a name is
// used (no failover between A/AAAA records).
#include <sys/socket.h>

#include <optional>
#include <string>

#include "http/Url.h"

namespace wshub::http {

struct ResolvedEndpoint {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string host_header;  // "backend:8080", "[::1]:8080", "backend" (port 80)
  // Identifies the connection pool: the address and the Host header, so two names served by one address
  // never share a connection (a virtual host must only ever see its own requests).
  std::string pool_key;
};

// Blocking. Returns nullopt and sets `error` when the name does not resolve.
std::optional<ResolvedEndpoint> resolve(const Url& url, std::string& error);

}  // namespace wshub::http
