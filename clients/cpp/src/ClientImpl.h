#pragma once
// The protocol side of Client (wshub/client/Client.h): connect, requests matched by id,
// subscriptions with their recovery position, heartbeats and the reconnect policy.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "Backoff.h"
#include "MessageBuilder.h"
#include "ServerMessage.h"
#include "WebSocketConnection.h"
#include "WsUrl.h"
#include "net/TimingWheel.h"
#include "net/TlsClientContext.h"
#include "wshub/client/Client.h"

namespace wshub::client {

// The reconnect advice of a close code (docs/protocol.md "Close codes"; clients/js closeCodes.ts).
bool should_reconnect(uint16_t code);

class ClientImpl final : public ConnectionEvents {
 public:
  ClientImpl(net::EventLoop& loop, ClientOptions options);
  ~ClientImpl() override;

  void connect();
  void disconnect();
  bool connected() const { return state_ == State::connected; }
  void subscribe(const std::string& channel, SubscriptionHandlers handlers, std::string token);
  void unsubscribe(const std::string& channel, std::function<void(const Error&)> done);
  using ReplyHandler = std::function<void(const Error&, const ServerMessage*)>;
  // Sends `build(id)` now when connected, else queues it; `done` gets the reply or an error.
  void send_request(const std::function<std::string(uint64_t)>& build, ReplyHandler done);

  StateHandlers state_handlers;
  std::unordered_map<std::string, std::function<void(const std::string&)>> push_handlers;

 private:
  enum class State { idle, connecting, handshaking, connected, waiting };  // waiting: for a reconnect
  struct Pending {
    ReplyHandler done;
    std::chrono::steady_clock::time_point deadline;
    bool sent = false;
  };
  struct Subscription {
    SubscriptionHandlers handlers;
    std::string token;
    bool has_position = false;
    uint64_t offset = 0;
    std::string epoch;
    uint64_t pending_id = 0;  // the subscribe in flight, 0 when none
  };

  void on_ws_open() override;
  void on_ws_message(std::string_view text) override;
  void on_ws_closed(uint16_t code, const std::string& reason) override;

  void start_attempt();
  void connection_lost(uint16_t code, const std::string& reason, bool reconnect);
  void retire_connection();
  void close_connection(const char* reason);
  void on_connected(const ServerMessage& m);
  void send_subscribe(const std::string& channel, Subscription& sub);
  void handle(const ServerMessage& m);
  void handle_push(const ServerMessage& m);
  void fail_pending(bool only_sent, int code, const std::string& message);
  void schedule_sweep();

  static void on_reconnect_timer(net::TimerNode* node);
  static void on_handshake_timer(net::TimerNode* node);
  static void on_heartbeat_timer(net::TimerNode* node);
  static void on_sweep_timer(net::TimerNode* node);

  net::EventLoop& loop_;
  ClientOptions options_;
  net::SslCtxPtr tls_;
  std::string tls_error_;
  Backoff backoff_;
  State state_ = State::idle;
  size_t url_index_ = 0;
  std::string current_url_;
  std::unique_ptr<WebSocketConnection> connection_;
  ServerMessageParser parser_;
  std::vector<ServerMessage> parsed_;

  uint64_t next_id_ = 1;
  uint64_t connect_id_ = 0;
  std::map<uint64_t, Pending> pending_;
  std::deque<std::pair<uint64_t, std::string>> queue_;  // requests made while not connected
  std::map<std::string, Subscription> subscriptions_;

  // The server's own advice from its `disconnect` message, which wins over the code's table.
  bool closing_by_us_ = false;  // close() from a timer or disconnect(): its on_ws_closed is not news
  bool has_advice_ = false;
  bool advice_reconnect_ = false;

  std::chrono::steady_clock::time_point last_received_;
  std::chrono::steady_clock::time_point ping_sent_;
  bool awaiting_pong_ = false;

  net::TimerNode reconnect_timer_;
  net::TimerNode handshake_timer_;
  net::TimerNode heartbeat_timer_;
  net::TimerNode sweep_timer_;
};

}  // namespace wshub::client
