#pragma once
// One client socket, from the first byte to the last: TLS handshake (optional), HTTP/1.1
// (plain routes or the WebSocket upgrade), the WebSocket session, and the closing
// handshake. A connection belongs to one worker for its whole life.
//
// Ownership and lifetime: the Worker owns every Connection. A connection is never freed
// inside one of its own callbacks: release() unregisters it and hands it to the worker,
// which deletes it after the loop iteration (uSockets' closed list, Redis's async free).
//
// Output is corked: send() only queues; the worker flushes every connection that queued
// something once per loop iteration, with one writev each.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/Handler.h"
#include "http/Request.h"
#include "net/EventLoop.h"
#include "net/OutputQueue.h"
#include "hub/Peer.h"
#include "net/Transport.h"
#include "ws/MessageReader.h"
#include "ws/Opcode.h"

namespace wshub::ws {
class Inflater;
class FramedMessage;
}  // namespace wshub::ws

namespace wshub::server {

class Worker;
class Connection;

// The application side of a WebSocket endpoint: echo now, the messaging hub later.
class WebSocketBehavior {
 public:
  virtual ~WebSocketBehavior() = default;
  // The handshake is valid and the 101 not yet sent: a non-empty result is the complete
  // HTTP response to send instead (the connection closes after it). An accepted upgrade
  // is followed by on_open at once, in the same call, so state the behavior parks in
  // user_data here is always picked up there.
  virtual std::string on_upgrade_request(Connection& connection, const http::Request& request) { return {}; }
  virtual void on_open(Connection& connection) {}
  virtual void on_message(Connection& connection, ws::Opcode opcode, std::span<const std::byte> payload) = 0;
  // Called exactly once when an open WebSocket stops being usable, whatever the cause.
  virtual void on_close(Connection& connection, uint16_t code, std::string_view reason) {}
  // The server is draining (SIGTERM): close the connection with the endpoint's code.
  virtual void on_server_shutdown(Connection& connection);
  // The connection's queue hit websocket.max_outbound_buffer; its unsent messages were
  // dropped. Close it with the endpoint's code.
  virtual void on_slow_consumer(Connection& connection);
};

// Backpressure is a return value: the caller learns whether the message was queued and
// how much is waiting for this client.
enum class SendStatus : uint8_t {
  queued,   // accepted; will be written at the end of this loop iteration
  dropped,  // not accepted: the connection is closing or was just closed as a slow consumer
};
struct SendResult {
  SendStatus status;
  size_t buffered;  // bytes queued for this connection after the call
};

class Connection final : public net::IoHandler, private ws::MessageHandler, public hub::Peer {
 public:
  enum class State : uint8_t {
    tls_handshake,
    http,      // reading requests (plain routes, or waiting for the upgrade)
    open,      // WebSocket open
    closing,   // we sent a close frame and wait for the peer's
    draining,  // nothing more to say: flush, FIN, discard input until EOF or timeout
    closed,    // released; freed at the end of the iteration
  };

  Connection(Worker& worker, std::unique_ptr<net::Transport> transport, const sockaddr_storage& peer,
             uint64_t id);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers with the loop and arms the handshake deadline. False when epoll refused.
  // `api_listener`: accepted on server.api_listen (only the server API is served there).
  bool start(bool tls, bool api_listener = false);

  // Frames and queues one message (compressed when negotiated and worthwhile).
  SendResult send(ws::Opcode opcode, std::span<const std::byte> payload);
  SendResult send_text(std::string_view text) {
    return send(ws::Opcode::text, std::as_bytes(std::span(text.data(), text.size())));
  }
  // Queues a reference to a message framed once for many connections (fan-out).
  SendResult send_shared(ws::FramedMessage& message);

  // Starts the closing handshake (RFC 6455 §7.1.2) with a close frame.
  void close(uint16_t code, std::string_view reason);
  // Drops the connection now, without a closing handshake.
  void abort(std::string_view why);

  uint64_t id() const { return id_; }
  State state() const { return state_; }
  size_t buffered_amount() const { return output_.size(); }
  const std::string& subprotocol() const { return subprotocol_; }
  std::string remote_address() const override;
  Worker& worker() { return worker_; }
  // When the WebSocket opened (the upgrade), on the loop's clock.
  net::TimingWheel::Clock::time_point opened_at() const { return opened_at_; }
  // The close code and reason reported to the behavior's on_close (0 and empty before).
  uint16_t close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  // Messages sent with send_message() go out as binary frames (MessagePack subprotocol).
  void set_binary_messages(bool binary) { binary_messages_ = binary; }

  // hub::Peer
  bool send_message(std::string_view encoded) override;
  bool send_framed(ws::FramedMessage& message) override;
  void disconnect(const hub::DisconnectReason& reason) override;

  // Free for the behavior's per-connection state.
  void* user_data = nullptr;

  // --- for the Worker ---
  void flush();                     // end of iteration: write what was corked
  void continue_reading();          // input buffered in the transport (TLS) without a readiness event
  Connection* list_prev = nullptr;  // worker's intrusive list of live connections
  Connection* list_next = nullptr;
  bool flush_scheduled = false;
  void begin_shutdown();  // server draining: close open WebSockets, drop the rest
  // The asynchronous answer to this connection's HTTP request number `sequence`.
  void finish_http_reply(uint32_t sequence, const http::Reply& reply);

 private:
  // net::IoHandler
  void on_io(uint32_t events) override;
  // ws::MessageHandler
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_ping(std::span<const std::byte> payload) override;
  void on_pong(std::span<const std::byte> payload) override;
  void on_close(uint16_t code, std::string_view reason) override;
  void on_error(uint16_t close_code, std::string_view why) override;

  void drive_tls_handshake();
  void read_input();
  void handle_http_bytes(std::span<const std::byte> bytes);
  bool handle_http_request();
  void write_http_response(std::string_view response, bool keep_alive);
  void upgrade(std::string_view leftover);
  void handle_websocket_bytes(std::span<std::byte> bytes);
  void discard_input();

  bool admit();
  void queue_frame(ws::Opcode opcode, std::span<const std::byte> payload, bool compressed);
  void queue_close_frame(uint16_t code, std::string_view reason);
  void schedule_flush();
  void update_interest();
  void enter_draining();
  void release(std::string_view why);
  void notify_closed(uint16_t code, std::string_view reason);
  void slow_consumer();
  void report_queued();

  static void on_timer(net::TimerNode* node);
  void handle_timer();
  void arm_timer(std::chrono::milliseconds delay);

  Worker& worker_;
  std::unique_ptr<net::Transport> transport_;
  uint64_t id_;
  State state_ = State::http;
  bool close_sent_ = false;
  bool close_reported_ = false;
  bool awaiting_pong_ = false;
  bool write_interest_ = false;
  bool read_wants_write_ = false;
  bool fin_sent_ = false;
  bool counted_ = false;  // admitted by the connection caps: released with the connection
  bool deflate_ = false;
  bool binary_messages_ = false;
  bool active_ = false;  // exchanged messages since the last heartbeat tick
  uint8_t server_window_bits_ = 15;
  uint8_t tail_size_ = 0;
  std::array<std::byte, 16> tail_{};  // a partial frame header carried to the next read

  net::OutputQueue output_;
  net::TimerNode timer_;
  net::TimingWheel::Clock::time_point last_activity_;
  net::TimingWheel::Clock::time_point ping_sent_at_;
  net::TimingWheel::Clock::time_point opened_at_{};
  int64_t reported_queued_ = 0;  // output_.size() as last added to the worker's gauge
  uint16_t close_code_ = 0;
  std::string close_reason_;

  struct HttpState;
  std::unique_ptr<HttpState> http_;            // only until the upgrade
  std::unique_ptr<ws::MessageReader> reader_;  // from the upgrade on
  std::unique_ptr<ws::Inflater> inflater_;     // when permessage-deflate was negotiated
  WebSocketBehavior* behavior_ = nullptr;
  std::string subprotocol_;
  sockaddr_storage peer_;
};

}  // namespace wshub::server
