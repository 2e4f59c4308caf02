#pragma once
// The node's admission control for new connections, shared by every worker (one per
// Server): the accept rate against connection storms, and the caps on open WebSocket
// connections in total and per client address (docs/security.md, "Limits").
//
// Both are decided before anything expensive happens. The accept rate is checked right
// after accept(), before a TLS handshake or an HTTP parse; the connection caps when a valid
// upgrade request has arrived, so the refusal is an HTTP 429 the client can read. The
// per-user cap is the hub's: a user is known only after the token was verified.
//
// The accept bucket is node-wide, behind a mutex taken once per accepted connection (not
// per message): one rate for the node however SO_REUSEPORT spreads the storm over the
// workers. The counts are a net::ConnectionTable.
#include <sys/socket.h>

#include <mutex>
#include <string>
#include <string_view>

#include "net/ConnectionTable.h"
#include "net/TokenBucket.h"
#include "server/Config.h"

namespace wshub::server {

enum class ConnectionRefusal : uint8_t {
  none,
  accept_rate,  // limits.accept_rate
  total,        // limits.max_connections
  per_ip,       // limits.max_connections_per_ip
};

// For logs and the JSON body of the 429.
std::string_view refusal_message(ConnectionRefusal refusal);
// The complete refusal: HTTP 429 with `Retry-After: 1`, `Connection: close` and the body
// {"error":{"code":111,"message":...}} like every error of the HTTP side (111 is the
// protocol's too_many_requests).
std::string refusal_response(ConnectionRefusal refusal);

class ConnectionLimits {
 public:
  explicit ConnectionLimits(const LimitsConfig& config);

  // Any worker, once per accepted connection: false when the accept rate is exceeded.
  bool accept_allowed(net::TokenBucket::Clock::time_point now);
  // Any worker, at the upgrade: counts the WebSocket when it is admitted (then
  // release_websocket() must follow when it closes).
  ConnectionRefusal admit_websocket(const sockaddr_storage& peer);
  void release_websocket(const sockaddr_storage& peer);

  size_t open_websockets() const { return websockets_.total(); }

  // The per-address key: the raw 4 or 16 address bytes (an IPv4-mapped IPv6 address
  // counts as its IPv4 address); no port.
  static std::string address_key(const sockaddr_storage& peer);

 private:
  net::TokenRate accept_rate_;
  std::mutex accept_mutex_;
  net::TokenBucket accept_bucket_;
  net::ConnectionTable websockets_;
};

}  // namespace wshub::server
