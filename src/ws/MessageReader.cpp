// MessageReader: the frame state machine (RFC 6455 §5).
//
// The reader never buffers header bytes: feed() consumes a header only when all of it
// (2-14 bytes) is in `data`, so the caller's leftover is always a partial header and the
// reader's own state is just "between frames" or "inside a frame's payload". The first two
// header bytes are validated as soon as they are present, so a bad frame is rejected
// without waiting for its extended length or mask key.
//
// Payload is consumed as it arrives: unmasked in place with the mask phase, then routed.
//  - Fast path: a complete unfragmented uncompressed data frame entirely in `data` is
//    validated and handed to on_message as a span into `data`.
//  - Control frames entirely in `data` are handed over in place; split ones are gathered
//    into a 125-byte array (they may arrive between fragments of a message, so they must
//    not touch the message buffer).
//  - Everything else is appended to (or inflated into) the message buffer. Text is
//    validated chunk by chunk as it is appended, so invalid UTF-8 fails the connection at
//    the first bad byte received, not at the end of the message (Autobahn 6.4).
// Size limits are decided on the header: a frame is rejected before any payload byte is
// buffered, so the buffer never exceeds max_message_size.
#include "ws/MessageReader.h"

#include <algorithm>
#include <cstring>

#include "ws/CloseCode.h"
#include "ws/Inflater.h"
#include "ws/Unmask.h"

namespace wshub::ws {

namespace {

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kRsv1 = 0x40;
constexpr uint8_t kRsv2And3 = 0x30;
constexpr uint8_t kOpcodeBits = 0x0F;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLengthBits = 0x7F;
constexpr size_t kMaxControlPayload = 125;

bool is_reserved_opcode(uint8_t op) {
  return (op >= 3 && op <= 7) || op >= 11;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

MessageReader::MessageReader(MessageHandler& handler, Role role, ReaderLimits limits)
    : handler_(&handler), role_(role), limits_(limits) {}

void MessageReader::set_inflater(Inflater* inflater) {
  inflater_ = inflater;
}

void MessageReader::rebind(MessageHandler& handler, ReaderLimits limits, Inflater* inflater) {
  handler_ = &handler;
  limits_ = limits;
  inflater_ = inflater;
}

void MessageReader::reset() {
  inflater_ = nullptr;
  stopped_ = false;
  in_frame_ = false;
  frame_remaining_ = 0;
  frame_offset_ = 0;
  in_message_ = false;
  message_compressed_ = false;
  message_.clear();
  if (message_.capacity() > kRetainedCapacity) std::string().swap(message_);
  utf8_.reset();
  control_size_ = 0;
}

void MessageReader::fail(uint16_t close_code, std::string_view why) {
  stopped_ = true;
  handler_->on_error(close_code, why);
}

size_t MessageReader::feed(std::span<std::byte> data) {
  size_t pos = 0;
  while (!stopped_) {
    if (!in_frame_) {
      const size_t header_size = read_header(data.subspan(pos));
      if (header_size == 0) break;  // partial header, or an error (stopped_)
      pos += header_size;
      const bool whole_message = frame_fin_ && !message_compressed_ &&
                                 frame_opcode_ != Opcode::continuation && !is_control(frame_opcode_);
      if (whole_message && frame_remaining_ <= data.size() - pos) {
        const auto payload = data.subspan(pos, static_cast<size_t>(frame_remaining_));
        pos += payload.size();
        in_frame_ = false;
        in_message_ = false;
        if (frame_masked_) unmask(payload.data(), payload.size(), mask_key_, 0);
        if (frame_opcode_ == Opcode::text && !is_valid_utf8(payload)) {
          fail(close_code::invalid_payload, "text message is not valid UTF-8");
          break;
        }
        handler_->on_message(frame_opcode_, payload);
        continue;
      }
      if (!is_control(frame_opcode_) && !message_compressed_)
        reserve_message(message_.size() + frame_remaining_);
    }
    const size_t available = data.size() - pos;
    if (frame_remaining_ > 0 && available == 0) break;
    const auto take = static_cast<size_t>(std::min<uint64_t>(frame_remaining_, available));
    read_payload(data.subspan(pos, take));
    pos += take;
  }
  return pos;
}

// Returns the header size once the whole header is present and valid; 0 when more bytes
// are needed or the frame is invalid (then the reader is stopped).
size_t MessageReader::read_header(std::span<const std::byte> in) {
  if (in.size() < 2) return 0;
  const auto b0 = static_cast<uint8_t>(in[0]);
  const auto b1 = static_cast<uint8_t>(in[1]);
  const bool fin = b0 & kFin;
  const bool rsv1 = b0 & kRsv1;
  const uint8_t op = b0 & kOpcodeBits;
  const bool masked = b1 & kMaskBit;
  const uint8_t length_code = b1 & kLengthBits;
  const bool control = op & 0x8;

  if (b0 & kRsv2And3) return fail(close_code::protocol_error, "RSV2 or RSV3 set"), 0;
  if (is_reserved_opcode(op)) return fail(close_code::protocol_error, "reserved opcode"), 0;
  if (rsv1) {
    // RFC 7692 §6: RSV1 marks the first frame of a compressed message, nothing else.
    if (inflater_ == nullptr)
      return fail(close_code::protocol_error, "RSV1 set without permessage-deflate"), 0;
    if (control) return fail(close_code::protocol_error, "RSV1 set on a control frame"), 0;
    if (op == 0) return fail(close_code::protocol_error, "RSV1 set on a continuation frame"), 0;
  }
  if (masked != (role_ == Role::server)) {
    return fail(close_code::protocol_error,
                masked ? "masked frame from a server" : "unmasked frame from a client"),
           0;
  }
  if (control) {
    if (!fin) return fail(close_code::protocol_error, "fragmented control frame"), 0;
    if (length_code > kMaxControlPayload)
      return fail(close_code::protocol_error, "control frame payload > 125"), 0;
  } else if (op == 0) {
    if (!in_message_) return fail(close_code::protocol_error, "continuation frame without a message"), 0;
  } else if (in_message_) {
    return fail(close_code::protocol_error, "new data frame inside a fragmented message"), 0;
  }

  const size_t length_size = length_code == 126 ? 2 : length_code == 127 ? 8 : 0;
  const size_t header_size = 2 + length_size + (masked ? 4 : 0);
  if (in.size() < header_size) return 0;
  uint64_t length = length_code;
  if (length_size > 0) {
    length = 0;
    for (size_t i = 0; i < length_size; ++i) length = (length << 8) | static_cast<uint8_t>(in[2 + i]);
    if (length >> 63)
      return fail(close_code::protocol_error, "64-bit payload length with the top bit set"), 0;
  }
  if (length > limits_.max_frame_size) return fail(close_code::message_too_big, "frame too big"), 0;
  const bool starts_message = !control && op != 0;
  const bool compressed = starts_message ? rsv1 : (!control && message_compressed_);
  // Inflated size is policed by the Inflater; here the wire size is the message size.
  if (!control && !compressed && (starts_message ? 0 : message_.size()) + length > limits_.max_message_size) {
    return fail(close_code::message_too_big, "message too big"), 0;
  }

  in_frame_ = true;
  frame_fin_ = fin;
  frame_masked_ = masked;
  frame_opcode_ = static_cast<Opcode>(op);
  frame_remaining_ = length;
  frame_offset_ = 0;
  if (masked) std::memcpy(mask_key_.data(), in.data() + 2 + length_size, 4);
  if (starts_message) {
    in_message_ = true;
    message_compressed_ = rsv1;
    message_opcode_ = frame_opcode_;
    message_.clear();
    utf8_.reset();
  }
  return header_size;
}

void MessageReader::read_payload(std::span<std::byte> chunk) {
  if (frame_masked_) unmask(chunk.data(), chunk.size(), mask_key_, frame_offset_);
  frame_offset_ += chunk.size();
  frame_remaining_ -= chunk.size();
  const bool frame_done = frame_remaining_ == 0;
  if (frame_done) in_frame_ = false;

  if (!is_control(frame_opcode_)) {
    read_data_payload(chunk, frame_done);
    return;
  }
  if (frame_done && control_size_ == 0) {
    handle_control(chunk);
    return;
  }
  std::memcpy(control_.data() + control_size_, chunk.data(), chunk.size());
  control_size_ += chunk.size();
  if (frame_done) {
    const size_t size = control_size_;
    control_size_ = 0;
    handle_control({control_.data(), size});
  }
}

void MessageReader::read_data_payload(std::span<const std::byte> chunk, bool frame_done) {
  const bool text = message_opcode_ == Opcode::text;
  if (message_compressed_) {
    const bool message_end = frame_fin_ && frame_done;
    if (!chunk.empty() || message_end) {
      const size_t before = message_.size();
      switch (inflater_->inflate(chunk, message_end, message_, limits_.max_message_size)) {
        case InflateResult::ok:
          break;
        case InflateResult::too_big:
          return fail(close_code::message_too_big, "inflated message too big");
        case InflateResult::corrupt:
          return fail(close_code::invalid_payload, "corrupt compressed data");
      }
      if (text && !utf8_.feed(as_bytes(message_).subspan(before))) {
        return fail(close_code::invalid_payload, "text message is not valid UTF-8");
      }
    }
  } else {
    message_.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    if (text && !utf8_.feed(chunk))
      return fail(close_code::invalid_payload, "text message is not valid UTF-8");
  }
  if (frame_done && frame_fin_) finish_message();
}

void MessageReader::finish_message() {
  in_message_ = false;
  if (message_opcode_ == Opcode::text && !utf8_.complete()) {
    return fail(close_code::invalid_payload, "text message ends inside a UTF-8 sequence");
  }
  handler_->on_message(message_opcode_, as_bytes(message_));
  message_.clear();
  if (message_.capacity() > kRetainedCapacity) std::string().swap(message_);
}

// Grows the buffer to hold `size` bytes: geometrically (amortised O(1) per fragment for
// 65,536-fragment messages) but never past max_message_size, which `size` is within.
void MessageReader::reserve_message(size_t size) {
  const size_t capacity = message_.capacity();
  if (size <= capacity) return;
  message_.reserve(std::min(std::max(size, 2 * capacity), limits_.max_message_size));
}

void MessageReader::handle_control(std::span<const std::byte> payload) {
  switch (frame_opcode_) {
    case Opcode::ping:
      return handler_->on_ping(payload);
    case Opcode::pong:
      return handler_->on_pong(payload);
    case Opcode::close:
      break;
    default:
      return;  // unreachable: read_header admits only these control opcodes
  }
  // §5.5.1: empty, or a 2-byte code followed by a UTF-8 reason.
  if (payload.empty()) {
    stopped_ = true;
    return handler_->on_close(close_code::no_status, {});
  }
  if (payload.size() == 1) return fail(close_code::protocol_error, "close frame with a 1-byte payload");
  const auto code =
      static_cast<uint16_t>(static_cast<uint8_t>(payload[0]) << 8 | static_cast<uint8_t>(payload[1]));
  if (!is_valid_received_close_code(code)) return fail(close_code::protocol_error, "invalid close code");
  const auto reason = payload.subspan(2);
  if (!is_valid_utf8(reason)) return fail(close_code::invalid_payload, "close reason is not valid UTF-8");
  stopped_ = true;
  handler_->on_close(code, {reinterpret_cast<const char*>(reason.data()), reason.size()});
}

}  // namespace wshub::ws
