#pragma once
// Value types of the C++ client's API (Client.h): what callbacks receive.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wshub::client {

// An error of one request: a protocol error code (docs/protocol.md "Error codes", 100-114) or one
// of the client's own codes below, which never appear on the wire.
struct Error {
  int code = 0;  // 0: no error
  std::string message;
  explicit operator bool() const { return code != 0; }
};

namespace client_error {
inline constexpr int timeout = 1;       // no reply within ClientOptions::request_timeout
inline constexpr int queue_full = 2;    // disconnected, and ClientOptions::max_queued_requests were waiting
inline constexpr int disconnected = 3;  // the connection ended with the request in flight, or disconnect()
}  // namespace client_error

// Codes reported in on_disconnected for closes the client decided itself (as clients/js does).
namespace client_close {
inline constexpr uint16_t client_disconnect = 3000;  // disconnect() was called
inline constexpr uint16_t heartbeat_timeout = 3001;  // no answer to a ping: the server is presumed dead
inline constexpr uint16_t connect_timeout = 3002;    // no `connected` within ClientOptions::connect_timeout
inline constexpr uint16_t transport_error =
    1006;  // TCP/TLS/handshake failure, or a drop without a close frame
}  // namespace client_close

struct ClientInfo {
  std::string client;
  std::string user;
  std::string info_json;  // the token's public data as JSON text, empty when none
};

struct Publication {
  std::string type;  // the publisher's message_type, "message" by default
  std::string channel;
  uint64_t offset = 0;  // 0 when the channel keeps no history
  std::string payload_json;
  ClientInfo from;  // empty when the server published it
};

struct SubscribeResult {
  bool has_position = false;  // the channel keeps history
  uint64_t offset = 0;
  std::string epoch;
  bool recover_requested = false;  // a resubscription after a reconnect asked to recover
  bool recovered = false;          // ... and the server delivered everything missed (then follows)
};

struct HistoryResult {
  std::vector<Publication> publications;
  uint64_t offset = 0;
  std::string epoch;
};

struct PresenceStats {
  uint64_t num_clients = 0;
  uint64_t num_users = 0;
};

// Per-subscription callbacks, all on the loop thread. on_subscribed runs after every
// (re)subscription: with recovered == false after a reconnect the application lost continuity
// and should reload its state another way (docs/protocol.md "Subscribing, offsets and recovery").
struct SubscriptionHandlers {
  std::function<void(const Publication&)> on_publication;
  std::function<void(const ClientInfo&)> on_join;
  std::function<void(const ClientInfo&)> on_leave;
  std::function<void(const SubscribeResult&)> on_subscribed;
  std::function<void(const Error&)> on_error;  // the server refused the (re)subscription
};

struct BackoffOptions {
  std::chrono::milliseconds min_delay{250};
  std::chrono::milliseconds max_delay{20000};
  double factor = 2.0;
};

}  // namespace wshub::client
