#pragma once
// The client side of RFC 6455 framing that the generator needs, and no more: building
// masked frames (§5.3) and scanning the server's unmasked frames as a byte stream.
//
// TEMPORARY: this stands in for ws/FrameBuilder.h and ws/MessageReader.h (Role::client)
// of the ws-codec branch; once they land, EchoWorker switches to them and this file goes.
// The scanner never buffers a data payload: it only needs frame boundaries, so a message
// of any size costs the same fixed state (a header and at most 125 control bytes).
#include <cstddef>
#include <cstdint>
#include <string>

namespace wshub::bench {

enum class Opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA
};

// Appends one final (FIN) frame carrying `payload`, masked with `mask_key` (§5.3).
void append_masked_frame(std::string& out, Opcode opcode, const uint8_t* payload, size_t size,
                         uint32_t mask_key);

// What one feed() found.
struct ScanResult {
  uint64_t messages = 0;        // complete data messages (a FIN text/binary/continuation frame)
  uint64_t payload_bytes = 0;   // data payload bytes consumed, complete messages or not
  bool ping = false;            // a ping arrived: pong_payload() holds its payload for the reply
  bool close = false;           // the server sent a close frame
  const char* error = nullptr;  // a protocol violation; the stream is unusable afterwards
};

// Scans server-to-client frames (unmasked, no extensions negotiated) split anywhere.
class FrameScanner {
 public:
  ScanResult feed(const uint8_t* data, size_t size);
  const std::string& pong_payload() const { return control_payload_; }

 private:
  void finish_frame(ScanResult& result);

  uint8_t header_[14];         // 2 fixed bytes + up to 8 of extended length; never masked
  size_t header_have_ = 0;     // header bytes collected so far
  size_t header_need_ = 2;     // header length, once known
  uint64_t payload_left_ = 0;  // payload bytes of the current frame still to come
  bool in_payload_ = false;
  bool fin_ = false;
  Opcode opcode_ = Opcode::continuation;
  std::string control_payload_;  // ping/close payload, at most 125 bytes (§5.5)
};

}  // namespace wshub::bench
