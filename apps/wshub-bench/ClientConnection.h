#pragma once
// One client WebSocket connection of the generator, driven by a worker's epoll loop (level
// triggered): TCP connect from a chosen 127.0.0.X source, TLS when the target says so, the
// upgrade (RFC 6455 §4.1, Sec-WebSocket-Accept checked), then frames read with the
// server's own ws::MessageReader in the client role. Pings are answered, a server close
// is answered, and close_gracefully() runs the closing handshake (§7.1.2) from our side.
//
// The fanout, connect and idle scenarios share it; the echo scenario keeps its own leaner
// loop (EchoWorker), whose numbers the published results were taken with.
//
// Ownership and re-entrancy: the worker owns the connection and its epoll set. Events
// call back into ClientEvents; a callback may send, close_gracefully() or abort() this
// connection, but must not start() it again: a worker that reuses a slot does so after
// the events of the current epoll_wait batch (a stale event for the slot would otherwise
// reach the new socket).
#include <netinet/in.h>
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ws/FrameBuilder.h"
#include "ws/MessageReader.h"

namespace wshub::bench {

struct DialTarget {
  sockaddr_in address{};             // the server
  std::string host_header;           // Host: value
  std::string path;                  // request target, query included
  std::vector<std::string> headers;  // extra request header lines ("Name: value")
  SSL_CTX* tls = nullptr;            // wss when set (verification off: loopback benchmarks)
  // Source addresses 127.0.0.1 .. 127.0.0.N, chosen by connection number, so more than one
  // address's ~28k ephemeral ports can be used. 1: the kernel chooses, as for any client.
  int sources = 1;
  size_t max_message_size = 1 << 20;
  std::string open_message;  // idle: sent once open; the connection counts as open when answered
};

// The source address of connection number `n` of `sources`: 127.0.0.(1 + n % sources).
in_addr_t source_address(uint64_t n, int sources);

class ClientConnection;

class ClientEvents {
 public:
  virtual ~ClientEvents() = default;
  // The upgrade completed. `now_ns` is CLOCK_MONOTONIC after the read that completed it.
  virtual void on_open(ClientConnection& connection, uint64_t now_ns) = 0;
  // A complete text or binary message; the view is valid during the call only.
  virtual void on_message(ClientConnection& connection, std::string_view message, uint64_t now_ns) = 0;
  // The socket is closed. `clean`: we had started the closing handshake and the server
  // completed it (close frame or EOF). Otherwise `why` says what happened.
  virtual void on_closed(ClientConnection& connection, bool clean, std::string_view why) = 0;
};

// Scratch space of one worker: every read lands here (after room for a carried header).
struct ReadBuffer {
  static constexpr size_t kHeadroom = ws::kMaxFrameHeaderSize;
  static constexpr size_t kSize = 256 * 1024;
  std::vector<std::byte> bytes = std::vector<std::byte>(kHeadroom + kSize);
  std::byte* data() { return bytes.data() + kHeadroom; }
};

class ClientConnection : private ws::MessageHandler {
 public:
  enum class State : uint8_t { idle, connecting, tls_handshake, upgrading, open, closing, closed };

  ClientConnection() = default;
  ~ClientConnection() override;
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Starts a non-blocking connect (from source_address(number, target.sources)) and adds
  // the socket to `epoll_fd`. On an immediate failure the connection is closed and
  // on_closed has been called before this returns false.
  bool start(const DialTarget& target, ClientEvents& events, int epoll_fd, uint64_t number);

  // Handles what epoll reported for this connection's socket.
  void on_event(uint32_t events, ReadBuffer& buffer);

  // Sends one masked data frame.
  void send_message(std::string_view payload, bool binary = false);
  // Sends bytes that are already frames (masked by the caller).
  void send_raw(std::string_view bytes);
  // Starts the closing handshake (code 1000). on_closed(clean) follows when the server
  // answers; the worker decides how long to wait before abort().
  void close_gracefully();
  // Closes the socket now; on_closed(false, why) unless it is already closed.
  void abort(std::string_view why);

  State state() const { return state_; }
  size_t buffered_amount() const { return pending_.size(); }
  const std::array<std::byte, 4>& mask_key() const { return mask_key_; }

  uint32_t index = 0;  // the owner's number for this slot

 private:
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_ping(std::span<const std::byte> payload) override;
  void on_pong(std::span<const std::byte>) override {}
  void on_close(uint16_t code, std::string_view reason) override;
  void on_error(uint16_t close_code, std::string_view why) override;

  void on_connected();
  void continue_tls_handshake();
  void send_upgrade_request();
  void on_readable(ReadBuffer& buffer);
  // Returns bytes read, 0 for "nothing now", -1 after the connection was closed.
  ssize_t read_some(std::byte* into, size_t size);
  void on_handshake_bytes(const std::byte* data, size_t size, ReadBuffer& buffer, uint64_t now);
  void on_frames(std::byte* data, size_t size, uint64_t now);
  void flush();
  // Returns bytes written (possibly 0), or -1 on a socket error (why_ is set).
  ssize_t write_some(const char* data, size_t size);
  void watch(uint32_t events);
  void finish(bool clean, std::string_view why);

  const DialTarget* target_ = nullptr;
  ClientEvents* events_ = nullptr;
  int epoll_fd_ = -1;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  State state_ = State::idle;
  uint32_t watched_ = 0;
  std::string handshake_;  // the request, then the response head being collected
  std::string key_;        // Sec-WebSocket-Key
  std::unique_ptr<ws::MessageReader> reader_;
  std::array<std::byte, ws::kMaxFrameHeaderSize> carry_{};
  size_t carry_size_ = 0;
  std::string pending_;  // unsent output, written from its head (also OpenSSL's retry rule)
  std::array<std::byte, 4> mask_key_{};
  uint64_t now_ = 0;  // the clock of the event being handled
  bool close_seen_ = false;
};

// An SSL_CTX for clients that accepts any certificate (the servers under test use
// self-signed ones) and never resumes sessions, so every connect pays a full handshake.
SSL_CTX* make_client_tls_context();

uint64_t monotonic_ns();

}  // namespace wshub::bench
