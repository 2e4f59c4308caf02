#include "net/Socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wshub::net {

int listen_tcp(const std::string& host, uint16_t port, bool reuse_port, int backlog, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    error = "cannot resolve '" + host + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
    error = "cannot listen on " + host + ":" + service + ": " + std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(result);
  return fd;
}

int accept_connection(int listen_fd, sockaddr_storage& peer) {
  socklen_t len = sizeof peer;
  int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string format_address(const sockaddr_storage& address) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "unknown";
}

PeerAddress::PeerAddress(const sockaddr_storage& address) : family_(static_cast<uint8_t>(address.ss_family)) {
  if (address.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&address);
    std::memcpy(address_, &a->sin_addr, sizeof a->sin_addr);
    std::memcpy(port_, &a->sin_port, sizeof port_);
  } else if (address.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&address);
    std::memcpy(address_, &a->sin6_addr, sizeof a->sin6_addr);
    std::memcpy(port_, &a->sin6_port, sizeof port_);
  }
}

sockaddr_storage PeerAddress::storage() const {
  sockaddr_storage out{};
  out.ss_family = family_;
  if (family_ == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    std::memcpy(&a->sin_addr, address_, sizeof a->sin_addr);
    std::memcpy(&a->sin_port, port_, sizeof port_);
  } else if (family_ == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    std::memcpy(&a->sin6_addr, address_, sizeof a->sin6_addr);
    std::memcpy(&a->sin6_port, port_, sizeof port_);
  }
  return out;
}

uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t len = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) return 0;
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return 0;
}

}  // namespace wshub::net
