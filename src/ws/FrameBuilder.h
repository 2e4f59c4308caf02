#pragma once
// Frame serialisation (RFC 6455 §5.2). Sending is the mirror of MessageReader: the server
// writes unmasked frames; the client role (load generator, tests) passes a mask key.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ws/Opcode.h"

namespace wshub::ws {

// The largest frame header: 2 bytes, an 8-byte extended length and a 4-byte mask key.
inline constexpr size_t kMaxFrameHeaderSize = 14;
// permessage-deflate is not worth it below this payload size: compressing a tiny message
// costs CPU and saves nothing on the wire.
inline constexpr size_t kMinCompressSize = 128;

// Writes a frame header into `out` (room for kMaxFrameHeaderSize bytes) and returns its
// size. The length uses the minimal encoding (7 bits, then 16, then 64), as §5.2 requires.
// `payload_len` must be < 2^63. With `mask`, the MASK bit and key are written; masking the
// payload itself is the caller's job (see append_frame).
size_t write_frame_header(std::byte* out, Opcode opcode, uint64_t payload_len, bool fin = true,
                          bool rsv1 = false, const std::array<std::byte, 4>* mask = nullptr);

// Appends a whole frame to `out`. With `mask` the appended copy of the payload is masked;
// `payload` itself is never modified.
void append_frame(std::string& out, Opcode opcode, std::span<const std::byte> payload, bool fin = true,
                  bool rsv1 = false, const std::array<std::byte, 4>* mask = nullptr);

// The payload of a close frame (§5.5.1): the code in network order, then `reason`,
// truncated so that the whole fits a control frame (125 bytes). Truncation never splits a
// UTF-8 sequence, so a valid reason stays valid.
std::string close_payload(uint16_t code, std::string_view reason);

}  // namespace wshub::ws
