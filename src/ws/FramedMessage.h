#pragma once
// The fan-out primitive: a message framed once, shared by every recipient on a worker.
//
// The uncompressed frame is built at construction. For connections that negotiated
// permessage-deflate, a compressed frame is built on first use per server window size
// and cached, so a message to 10,000 clients is compressed at most once per distinct
// window size (in practice once). That is valid for every such client whatever context
// takeover it negotiated: the worker's compressor never uses context (Deflater.h).
#include <array>
#include <span>

#include "net/SharedBuffer.h"
#include "ws/Opcode.h"

namespace wshub::ws {

class Deflater;

class FramedMessage {
 public:
  FramedMessage(Opcode opcode, std::span<const std::byte> payload);

  const net::SharedBufferRef& frame() const { return frame_; }
  // The compressed frame for clients whose negotiated server_max_window_bits is
  // `window_bits`, made with `deflater` (a no-context-takeover compressor of that window)
  // on first call. Falls back to frame() for small or incompressible payloads.
  const net::SharedBufferRef& frame_for_deflate(int window_bits, Deflater& deflater);

  std::span<const std::byte> payload() const;
  Opcode opcode() const { return opcode_; }

 private:
  Opcode opcode_;
  uint8_t header_size_;
  net::SharedBufferRef frame_;
  std::array<net::SharedBufferRef, 16> compressed_;  // by window bits
  uint16_t compressed_tried_ = 0;                    // bit per window size
};

}  // namespace wshub::ws
