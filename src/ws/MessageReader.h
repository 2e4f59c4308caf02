#pragma once
// The receiving half of the RFC 6455 codec: a sans-IO state machine that turns a byte
// stream into messages and control frames and enforces every framing rule (§5) so the
// connection code only has to act on events.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ws/Opcode.h"
#include "ws/Utf8Validator.h"

namespace wshub::ws {

// server: frames from the peer must be masked; client: they must not be (§5.1).
enum class Role : uint8_t { server, client };

struct ReaderLimits {
  size_t max_message_size = 16u << 20;  // after inflation; larger -> 1009
  size_t max_frame_size = 16u << 20;    // wire payload of one frame; larger -> 1009
};

class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  // A complete data message (text already UTF-8 validated). `payload` is valid only during the call.
  virtual void on_message(Opcode opcode, std::span<const std::byte> payload) = 0;
  virtual void on_ping(std::span<const std::byte> payload) = 0;
  virtual void on_pong(std::span<const std::byte> payload) = 0;
  // A valid close frame: code 1005 (no_status) when the payload was empty.
  virtual void on_close(uint16_t code, std::string_view reason) = 0;
  // A protocol violation: the caller fails the connection with this close code (1002, 1007, 1009...).
  virtual void on_error(uint16_t close_code, std::string_view why) = 0;
};

class Inflater;  // ws/Inflater.h

// Errors, each reported once through on_error, after which the reader is stopped:
//   1002 protocol_error: RSV2/RSV3 set; RSV1 without deflate, or on a continuation or
//        control frame; reserved opcode; masking wrong for the role; control frame with
//        FIN=0 or a payload > 125; continuation with no message in progress; text/binary
//        while a message is in progress; 64-bit length with the top bit set; close
//        payload of 1 byte; invalid close code (see is_valid_received_close_code).
//   1007 invalid_payload: text message or close reason not UTF-8 (reported at the first
//        bad byte received, even inside a frame); corrupt compressed data.
//   1009 message_too_big: frame over max_frame_size or message over max_message_size,
//        decided from the frame header before any of its payload is buffered.
// The non-minimal length encodings that §5.2 forbids (e.g. 5 sent as a 16-bit length) are
// accepted: they are harmless, Autobahn does not test them, and browsers never send them.
//
// Memory: a complete unfragmented uncompressed message whose whole payload is in the
// `data` passed to feed() is delivered as a span into `data` (unmasked in place): no copy.
// Other messages are assembled in one internal buffer whose capacity is reused across
// messages, never grown past max_message_size, and released after a message that needed
// more than kRetainedCapacity (so a connection that once sent 16 MiB does not keep it).
class MessageReader {
 public:
  static constexpr size_t kRetainedCapacity = 64 * 1024;

  MessageReader(MessageHandler& handler, Role role, ReaderLimits limits);
  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  // Enables permessage-deflate: RSV1 becomes legal on the first frame of a data message and such messages
  // are inflated through `inflater` (limit = max_message_size, too_big -> 1009, corrupt -> 1007). nullptr
  // disables.
  void set_inflater(Inflater* inflater);

  // Consumes complete frame headers and any amount of payload from `data`, unmasking in place. Returns the
  // number of bytes consumed; the caller keeps the unconsumed rest (always < 14 bytes: a partial header) and
  // calls feed again with it at the front of more data. After on_error or on_close, or after stop(), consumes
  // nothing more.
  size_t feed(std::span<std::byte> data);

  // Between frames with no fragmented message in progress and not stopped: the reader
  // holds nothing a later feed() needs, so its owner may reset() it and lend it to
  // another connection (server::Connection borrows readers from a per-thread pool).
  bool at_rest() const { return !in_frame_ && !in_message_ && !stopped_; }
  // For a pooled reader taken by a new owner (after reset()).
  void rebind(MessageHandler& handler, ReaderLimits limits, Inflater* inflater);

  // May be called from inside a handler callback: feed returns right after that callback.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  // Reusable after a connection ends (buffers keep their capacity). Also forgets the
  // inflater, which belonged to the old connection.
  void reset();

 private:
  size_t read_header(std::span<const std::byte> in);
  void read_payload(std::span<std::byte> chunk);
  void read_data_payload(std::span<const std::byte> chunk, bool frame_done);
  void handle_control(std::span<const std::byte> payload);
  void finish_message();
  void reserve_message(size_t size);
  void fail(uint16_t close_code, std::string_view why);

  MessageHandler* handler_;
  Role role_;
  ReaderLimits limits_;
  Inflater* inflater_ = nullptr;
  bool stopped_ = false;

  // The frame whose payload is being read (in_frame_), from its header.
  bool in_frame_ = false;
  bool frame_fin_ = false;
  bool frame_masked_ = false;
  Opcode frame_opcode_ = Opcode::continuation;
  uint64_t frame_remaining_ = 0;  // payload bytes not yet consumed
  uint64_t frame_offset_ = 0;     // payload bytes consumed: the mask phase
  std::array<std::byte, 4> mask_key_{};

  // The data message in progress (in_message_), possibly spanning frames.
  bool in_message_ = false;
  bool message_compressed_ = false;
  Opcode message_opcode_ = Opcode::text;
  std::string message_;  // assembled or inflated payload (std::string: what Inflater appends to)
  Utf8Validator utf8_;

  // A control frame whose payload arrives in pieces (§5.5: at most 125 bytes).
  std::array<std::byte, 125> control_{};
  size_t control_size_ = 0;
};

}  // namespace wshub::ws
