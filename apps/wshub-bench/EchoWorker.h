#pragma once
// One generator thread: an epoll loop driving its share of the echo connections.
//
// Each connection connects, upgrades, and waits; when the run enters warm-up it sends
// `pipeline` frames and from then on keeps exactly that many in flight: every readable
// event is one read(), a scan of all complete frames in it, and one write() of the same
// number of new frames, cut from a per-thread buffer of pre-masked frames (re-masked with
// a new key every 1024 batches). Send times go into a per-connection FIFO (the echo
// preserves order), so the payload is never touched and the clock is read once per
// readable event, not once per message. What is left is mostly the kernel's TCP work,
// which on loopback is as large for the client as for the server (bench/README.md); the
// report shows both sides' CPU so a reader can see which one limited a run.
#include <netinet/in.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "LatencyHistogram.h"
#include "ws/FrameBuilder.h"
#include "ws/MessageReader.h"

namespace wshub::bench {

enum class Phase : int { connect, warmup, measure, stop };

// Shared by the main thread (which moves the phase) and the workers (which follow it).
struct RunControl {
  std::atomic<Phase> phase{Phase::connect};
  std::atomic<int> upgraded{0};  // connections that completed the handshake
  std::atomic<int> failed{0};    // connections that failed before or during the run
};

struct EchoTarget {
  sockaddr_in address{};
  std::string host_header;  // Host: value
  std::string path;
  int pipeline = 16;
  size_t size = 16;
  bool binary = false;
  bool raw = false;  // raw TCP echo: no handshake, frames come back as sent (masked)
};

// What a worker counted inside the measurement window.
struct WorkerResult {
  uint64_t messages = 0;       // echoed messages received
  uint64_t payload_bytes = 0;  // their payload bytes
  LatencyHistogram latency;    // round trips, nanoseconds
  int errors = 0;              // connections lost (any phase)
  std::string first_error;
};

class EchoWorker : private ws::MessageHandler {
 public:
  EchoWorker(const EchoTarget& target, RunControl& control, int connections, int first_id);
  ~EchoWorker();
  EchoWorker(const EchoWorker&) = delete;
  EchoWorker& operator=(const EchoWorker&) = delete;

  // The thread body: returns after the phase becomes stop and every socket is closed.
  void run();
  const WorkerResult& result() const { return result_; }

 private:
  enum class State : uint8_t { connecting, handshaking, upgraded, running, closed };

  // Send times of the frames in flight, oldest first; capacity is a power of two >= pipeline.
  struct SendTimes {
    std::vector<uint64_t> ring;
    uint32_t head = 0, tail = 0;
    uint32_t size() const { return tail - head; }
  };

  struct Connection {
    int fd = -1;
    State state = State::connecting;
    std::string handshake;  // request, then the response head being collected
    std::string key;        // Sec-WebSocket-Key
    std::unique_ptr<ws::MessageReader> reader;
    // A partial frame header the reader left unconsumed (always < 14 bytes): it goes back
    // in front of the next read, in the read buffer's headroom.
    std::array<std::byte, ws::kMaxFrameHeaderSize> carry;
    size_t carry_size = 0;
    uint64_t raw_partial = 0;  // --raw: bytes of a frame not yet fully echoed
    SendTimes in_flight;
    std::string pending_out;  // bytes a short write left behind; bounded by pipeline frames
  };

  // What the reader reported during one feed() (the worker is every reader's handler).
  struct FeedTally {
    uint32_t messages = 0;
    uint64_t payload_bytes = 0;
    bool ping = false;
    bool close = false;
    std::string error;
  };
  void on_message(ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_ping(std::span<const std::byte> payload) override;
  void on_pong(std::span<const std::byte> payload) override {}
  void on_close(uint16_t code, std::string_view reason) override { tally_.close = true; }
  void on_error(uint16_t close_code, std::string_view why) override { tally_.error = why; }

  void open_connection(Connection& c, int id);
  void on_event(Connection& c, uint32_t events);
  void on_connected(Connection& c);
  void on_handshake_bytes(Connection& c, const std::byte* data, size_t size, uint64_t now_ns);
  // `data` points into read_buffer_ past its headroom: the carried header goes in front.
  void on_frames(Connection& c, std::byte* data, size_t size, uint64_t now_ns);
  void on_raw_echo(Connection& c, size_t size, uint64_t now_ns);
  void complete_round_trips(Connection& c, uint32_t count, uint64_t payload_bytes, uint64_t now_ns);
  void send_frames(Connection& c, uint32_t count, uint64_t now_ns);
  void send_raw(Connection& c, const char* data, size_t size);
  void flush_pending(Connection& c);
  void start_sending(uint64_t now_ns);
  void fail(Connection& c, const std::string& why);
  void close_all();
  void rebuild_frames();

  const EchoTarget& target_;
  RunControl& control_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  bool measuring_ = false;

  std::string payload_;    // unmasked payload of every message
  std::string frames_;     // `pipeline` masked frames back to back
  size_t frame_size_ = 0;  // bytes of one masked frame
  uint32_t mask_seed_ = 0x1234abcd;
  std::array<std::byte, 4> mask_key_{};
  uint32_t batches_since_remask_ = 0;
  std::vector<std::byte> read_buffer_;  // kReadHeadroom bytes, then room for one read
  FeedTally tally_;
  std::string pong_;  // the pong answering the last ping of a feed

  WorkerResult result_;
};

}  // namespace wshub::bench
