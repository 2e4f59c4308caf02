#pragma once
// One client WebSocket connection (RFC 6455, client role) on a net::EventLoop: TCP connect, TLS
// (wss), the opening handshake with the `wshub.json` subprotocol, then text messages in and out.
// It knows nothing of the wshub protocol; ClientImpl owns it and reacts to its events.
//
// Lifecycle: start() → connecting → (tls) → upgrading → open → closed. on_closed() is reported
// exactly once, after the fd was removed from the loop; the owner then destroys the object
// outside of the callback (after the loop iteration), never inside it. It is reported from the
// loop's I/O callback or from close(), never from send_text(): a write failure there is kept and
// reported from the next on_io (the socket is armed for writability, which an error reports at
// once), so that the owner's code around a send never sees the connection vanish.
//
// Name resolution uses getaddrinfo, which blocks for DNS names: IP literals (the common case for
// services on one network) never block; a DNS name blocks the loop for the resolver's time.
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "WsUrl.h"
#include "net/EventLoop.h"
#include "net/Transport.h"
#include "ws/MessageReader.h"

namespace wshub::client {

class ConnectionEvents {
 public:
  virtual ~ConnectionEvents() = default;
  virtual void on_ws_open() = 0;
  virtual void on_ws_message(std::string_view text) = 0;
  // `code` is the peer's close code, or 1006 (client_close::transport_error) with a description.
  virtual void on_ws_closed(uint16_t code, const std::string& reason) = 0;
};

class WebSocketConnection final : public net::IoHandler, public ws::MessageHandler {
 public:
  // `tls` (not owned, may be nullptr for ws://) must outlive the connection.
  WebSocketConnection(net::EventLoop& loop, ConnectionEvents& events, SSL_CTX* tls, size_t max_message_size);
  ~WebSocketConnection() override;

  // Resolves and starts connecting. False (with `error`) when that fails at once; no event then.
  bool start(const WsUrl& url, std::string& error);
  // Queues one text frame (masked with a fresh random key, §5.3) and writes what it can.
  void send_text(std::string_view text);
  // Sends a close frame, flushes what the socket takes, and reports on_ws_closed(code, reason).
  void close(uint16_t code, std::string_view reason);
  bool open() const { return state_ == State::open; }

 private:
  enum class State { idle, connecting, tls, upgrading, open, closed };

  void on_io(uint32_t events) override;
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_ping(std::span<const std::byte> payload) override;
  void on_pong(std::span<const std::byte> payload) override {}
  void on_close(uint16_t code, std::string_view reason) override;
  void on_error(uint16_t close_code, std::string_view why) override;

  void finish_connect();
  void drive_tls();
  void send_upgrade();
  void read_available();
  void read_upgrade_response(std::string_view data);
  void flush();
  void update_interest();
  void append_frame(ws::Opcode opcode, std::span<const std::byte> payload);
  void fail(const std::string& why);
  void finish(uint16_t code, const std::string& reason);

  net::EventLoop& loop_;
  ConnectionEvents& events_;
  SSL_CTX* tls_;
  State state_ = State::idle;
  WsUrl url_;
  int fd_ = -1;  // until the transport owns it
  std::unique_ptr<net::Transport> transport_;
  bool registered_ = false;
  bool want_write_ = false;
  std::string key_;
  std::string head_;           // the upgrade response head while it arrives
  std::string out_;            // unsent bytes; always written from the front (TlsTransport's retry contract)
  std::vector<std::byte> in_;  // received bytes the reader has not consumed (a partial header)
  ws::MessageReader reader_;
  bool close_sent_ = false;
  bool in_io_ = false;
  bool failed_ = false;  // a failure outside on_io, reported by the next on_io
  std::string failure_;
  bool closing_ = false;  // a close was received or sent: report once the message handler returns
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

}  // namespace wshub::client
