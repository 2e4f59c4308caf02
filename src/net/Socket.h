#pragma once
// Thin, error-reporting wrappers over the socket calls a worker needs.
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace wshub::net {

// A non-blocking listening socket bound to host:port. With `reuse_port` every worker
// binds its own listener to the same address and the kernel spreads connections
// (SO_REUSEPORT): no shared accept queue, no thundering herd. Returns -1 and sets
// `error` on failure.
int listen_tcp(const std::string& host, uint16_t port, bool reuse_port, int backlog, std::string& error);

// Accepts one connection as a non-blocking, close-on-exec socket with TCP_NODELAY
// (WebSocket frames are small and latency-bound; we cork in user space instead).
// Returns -1 with errno set (EAGAIN when the queue is empty).
int accept_connection(int listen_fd, sockaddr_storage& peer);

// "1.2.3.4:5678" or "[::1]:5678".
std::string format_address(const sockaddr_storage& address);

// The local port a socket is bound to (for port 0 in tests), or 0.
uint16_t local_port(int fd);

}  // namespace wshub::net
