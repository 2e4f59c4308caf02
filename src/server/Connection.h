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
//
// Memory: an open, idle WebSocket costs one Connection allocation and nothing else
// (budget in connection_layout_test.cpp, measured by `wshub-bench idle`). Everything a
// connection needs only while bytes move is borrowed or allocated on demand: the read
// buffer is the worker's, the frame reader (with a partial header carried to the next
// read) comes from a per-thread pool while a frame or fragmented message is in progress,
// the output queue holds a Body only while bytes wait, the HTTP parser lives only until
// the upgrade (pooled too), and a plain TCP transport lives inside the Connection.
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
#include "net/PlainTransport.h"
#include "net/Socket.h"
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

class Connection final : public net::IoHandler, public hub::Peer {
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
  // Plain TCP: the transport is built inside the Connection (no allocation of its own).
  Connection(Worker& worker, int fd, const sockaddr_storage& peer, uint64_t id);
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
  const std::string& subprotocol() const;
  std::string remote_address() const override;
  Worker& worker() { return worker_; }
  // Messages sent with send_message() go out as binary frames (MessagePack subprotocol).
  void set_binary_messages(bool binary) { binary_messages_ = binary; }

  // hub::Peer
  bool send_message(std::string_view encoded) override;
  bool send_framed(ws::FramedMessage& message) override;
  void disconnect(const hub::DisconnectReason& reason) override;
  hub::MessageCounts message_counts() const override { return {messages_in_, messages_out_}; }

  // Free for the behavior's per-connection state.
  void* user_data = nullptr;

  // --- for the Worker ---
  void flush();                     // end of iteration: write what was corked
  void continue_reading();          // input buffered in the transport (TLS) without a readiness event
  Connection* list_prev = nullptr;  // worker's intrusive list of live connections
  Connection* list_next = nullptr;
  void begin_shutdown();  // server draining: close open WebSockets, drop the rest
  // The asynchronous answer to this connection's HTTP request number `sequence`.
  void finish_http_reply(uint32_t sequence, const http::Reply& reply);

 private:
  struct HttpState;
  struct InputState;
  struct Spares;  // per-thread pools of HttpState and InputState

  // net::IoHandler
  void on_io(uint32_t events) override;
  // From the MessageReader (through InputState, which is its ws::MessageHandler: the
  // handler's vtable pointer lives in the pooled reader state, not in every connection).
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload);
  void on_ping(std::span<const std::byte> payload);
  void on_pong(std::span<const std::byte> payload);
  void on_close(uint16_t code, std::string_view reason);
  void on_error(uint16_t close_code, std::string_view why);

  InputState& input();      // the reader state, borrowed from the pool when not held
  void return_idle_input();  // gives it back when nothing is in progress

  void drive_tls_handshake();
  void read_input();
  void read_available();
  void handle_http_bytes(std::span<const std::byte> bytes);
  void handle_buffered_requests();
  bool handle_http_request();
  // Answers request `sequence` and writes every answer now due, in request order.
  void queue_http_response(uint32_t sequence, std::string response);
  void upgrade(std::string_view leftover);
  void handle_websocket_bytes(std::span<std::byte> bytes);
  void discard_input();

  bool admit();
  void queue_frame(ws::Opcode opcode, std::span<const std::byte> payload, bool compressed);
  void queue_close_frame(uint16_t code, std::string_view reason);
  void schedule_flush();
  void count_write() { writes_since_tick_ = writes_since_tick_ == 3 ? 3 : writes_since_tick_ + 1; }
  void update_interest();
  void enter_draining();
  void release(std::string_view why);
  void notify_closed(uint16_t code, std::string_view reason);
  void slow_consumer();
  void report_queued();

  static void on_timer(net::TimerNode* node);
  void handle_timer();
  void arm_timer(std::chrono::milliseconds delay);

  // Field order and widths are chosen for size (see the budget in
  // tests/unit/server/connection_layout_test.cpp): pointers first, then the address,
  // then one-byte fields and bit flags packed at the end.
  Worker& worker_;
  net::Transport* transport_;  // &plain_ for plain TCP, else owned (TLS)
  uint64_t id_;
  net::OutputQueue output_;  // one pointer while nothing waits
  net::TimerNode timer_;
  net::TimingWheel::Clock::time_point last_activity_;
  std::unique_ptr<HttpState> http_;            // only until the upgrade
  std::unique_ptr<InputState> input_;          // while a frame is in progress (pooled)
  std::unique_ptr<ws::Inflater> inflater_;     // when permessage-deflate was negotiated
  WebSocketBehavior* behavior_ = nullptr;
  union {  // lives here for plain TCP (transport_ == &plain_); unused with TLS
    net::PlainTransport plain_;
  };
  net::PeerAddress peer_;
  State state_ = State::http;
  uint8_t server_window_bits_ = 15;
  uint8_t subprotocol_ = kNoSubprotocol;  // index into the worker's subprotocol list
  static constexpr uint8_t kNoSubprotocol = 0xFF;
  bool flush_scheduled_ : 1 = false;
  bool close_sent_ : 1 = false;
  bool close_reported_ : 1 = false;
  bool awaiting_pong_ : 1 = false;
  bool write_interest_ : 1 = false;
  bool read_wants_write_ : 1 = false;
  bool fin_sent_ : 1 = false;
  bool counted_ : 1 = false;  // admitted by the connection caps: released with the connection
  bool deflate_ : 1 = false;
  bool binary_messages_ : 1 = false;
  uint8_t writes_since_tick_ : 2 = 0;  // flushes since the heartbeat tick, saturating at 3
  // This connection's share of the worker's messages_in/out (the admin page, the
  // `connections` method). 32 bits, saturating, to stay within the idle budget.
  uint32_t messages_in_ = 0;
  uint32_t messages_out_ = 0;
};

}  // namespace wshub::server
