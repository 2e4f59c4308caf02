#pragma once
// Payload masking (RFC 6455 §5.3). XOR is its own inverse, so the same function masks
// (client role, sending) and unmasks (server role, receiving).
#include <array>
#include <cstddef>

namespace wshub::ws {

// XORs data[0..len) in place with the 4-byte `key`, where data[0] is byte number `phase`
// of the frame payload (payload byte i is XORed with key[i % 4]). `phase` lets a frame's
// payload be processed in chunks as it arrives; only phase % 4 matters.
// Any alignment and length; wide (SSE2, and AVX2 when the CPU has it) in the middle.
void unmask(std::byte* data, size_t len, std::array<std::byte, 4> key, size_t phase);

}  // namespace wshub::ws
