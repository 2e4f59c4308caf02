#pragma once
// The wshub C++ client: one connection to a wshub server over the `wshub.json` subprotocol
// (docs/protocol.md), on a net::EventLoop, with reconnect, resubscription with recovery and
// heartbeats. docs/cpp-client.md is the guide; this header is the reference.
//
// Threads: a Client belongs to the loop it was created with. Every method must be called on that
// loop's thread and every callback runs there; from another thread, post() a task to the loop
// (ClientThread does that for you). Callbacks may call any method, including disconnect(), but
// must not destroy the Client: destroy it from outside its callbacks, on the loop thread.
//
// Reconnect (the client side of docs/protocol.md "Close codes", as clients/js does it): after a
// close whose advice is "reconnect" (or a failed attempt) the next URL of the list is tried after
// a delay drawn with full jitter from [0, min(max_delay, min_delay * factor^attempt)]. Closes
// advised "do not reconnect" (4000-4003, 4009, and other 4000-4499 codes unless the server's
// `disconnect` message said reconnect:true) stop the client until connect() is called again.
//
// Requests made while disconnected wait in a bounded queue (max_queued_requests) and are sent
// after the next `connected`; beyond it they fail at once with client_error::queue_full.
// Each request fails with client_error::timeout after request_timeout without a reply.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wshub/client/Types.h"

namespace wshub::net {
class EventLoop;
}

namespace wshub::client {

struct ClientOptions {
  std::vector<std::string> urls;  // ws://host:port/websocket or wss://...; tried in turn
  std::string token;              // the connection token (JWT); empty: connect without one
  // When set, called before every attempt for a fresh token (takes precedence over `token`).
  std::function<std::string()> get_token;
  std::string connect_data_json;  // `data` of connect, as JSON text; empty: none
  bool tls_verify_peer = true;    // wss: check the certificate chain and the host name
  std::string tls_ca_file;        // wss: PEM roots to trust instead of the system's
  BackoffOptions backoff;
  bool reconnect = true;
  std::chrono::milliseconds connect_timeout{10000};  // TCP + TLS + upgrade + `connected`
  std::chrono::milliseconds request_timeout{10000};
  // A ping after this long without anything from the server; the connection is dead (3001) when
  // nothing arrives within pong_timeout after it.
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds pong_timeout{10000};
  size_t max_queued_requests = 1000;
  size_t max_message_size = 16u << 20;
};

struct ConnectedInfo {
  std::string client;  // the connection's id
  std::string user;    // empty for anonymous connections
  std::string url;     // the URL that answered
};

struct StateHandlers {
  std::function<void(const std::string& url)> on_connecting;
  std::function<void(const ConnectedInfo&)> on_connected;
  // `will_reconnect`: a new attempt is scheduled.
  std::function<void(uint16_t code, const std::string& reason, bool will_reconnect)> on_disconnected;
  std::function<void(const Error&)> on_error;  // errors without a request: a refused token, ...
};

class ClientImpl;

class Client {
 public:
  Client(net::EventLoop& loop, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void set_state_handlers(StateHandlers handlers);

  // Starts connecting (and keeps reconnecting as above). A no-op while connecting or connected.
  void connect();
  // Closes with 1000, cancels the reconnect and fails requests in flight with
  // client_error::disconnected. Subscriptions are kept for the next connect().
  void disconnect();
  bool connected() const;

  // Subscribes now or after the next `connected`, and again after every reconnect, with
  // `recover` from the last publication delivered. Replaces the handlers of an existing one.
  void subscribe(const std::string& channel, SubscriptionHandlers handlers, std::string subscribe_token = {});
  // Forgets the subscription and tells the server when connected.
  void unsubscribe(const std::string& channel, std::function<void(const Error&)> done = {});

  // `payload_json` must be one JSON value. `done` gets the publication's offset (0 when the
  // channel keeps no history).
  void publish(const std::string& channel, const std::string& payload_json,
               std::function<void(const Error&, uint64_t offset)> done = {},
               const std::string& message_type = {});
  void presence(const std::string& channel,
                std::function<void(const Error&, const std::vector<ClientInfo>&)> done);
  void presence_stats(const std::string& channel,
                      std::function<void(const Error&, const PresenceStats&)> done);
  // `since_epoch` empty: from the start of what is kept. `limit` 0: the server's default.
  void history(const std::string& channel, std::function<void(const Error&, const HistoryResult&)> done,
               uint64_t limit = 0, uint64_t since_offset = 0, const std::string& since_epoch = {},
               bool reverse = false);
  // An application request: `{"type":type,"id":..,"payload":payload_json}` answered by `reply`.
  // `done` gets the reply's payload as JSON text (empty when the handler returned none).
  void request(const std::string& type, const std::string& payload_json,
               std::function<void(const Error&, const std::string& reply_json)> done);
  // Messages the server pushes without a channel (server API `send`, Hub::send_to_user), by type.
  void on(const std::string& type, std::function<void(const std::string& payload_json)> handler);

 private:
  std::unique_ptr<ClientImpl> impl_;
};

}  // namespace wshub::client
