#pragma once
// WebSocket frame opcodes (RFC 6455 §5.2). 3-7 and 11-15 are reserved: a reader that sees
// one fails the connection, so they have no enumerator.
#include <cstdint>

namespace wshub::ws {

enum class Opcode : uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Control frames are the opcodes with the high bit set (RFC 6455 §5.5).
constexpr bool is_control(Opcode op) {
  return (static_cast<uint8_t>(op) & 0x8) != 0;
}

}  // namespace wshub::ws
