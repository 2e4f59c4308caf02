#pragma once
// Thin, error-reporting wrappers over the socket calls a worker needs.
#include <netinet/in.h>
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

// A peer's IPv4 or IPv6 address and port in 19 bytes, where sockaddr_storage takes 128:
// every connection keeps one for its whole life, so at a million connections the
// difference is 100 MB. Byte arrays only (alignment 1), so it packs with the one-byte
// fields after it. Dropped: the IPv6 flow label and scope id (the address serves the
// per-address limits and log lines). Other families keep only their family
// (format_address: "unknown").
class PeerAddress {
 public:
  PeerAddress() = default;
  explicit PeerAddress(const sockaddr_storage& address);
  sockaddr_storage storage() const;

 private:
  uint8_t address_[16] = {};  // in_addr in the first 4 bytes, or in6_addr
  uint8_t port_[2] = {};      // network byte order
  uint8_t family_ = 0;
};
static_assert(sizeof(PeerAddress) == 19 && alignof(PeerAddress) == 1);

// The local port a socket is bound to (for port 0 in tests), or 0.
uint16_t local_port(int fd);

}  // namespace wshub::net
