// fuzz-layer: ws
// Inflater under arbitrary input and arbitrary splits (RFC 7692 §7.2.2).
//
// Input: one settings byte, then pieces, each a control byte and its bytes:
//   settings: bits 0-2 window bits 8..15, bit 3 no_context_takeover, bit 4 a small limit
//   control:  bit 0 message_end, bits 1-7 piece length (127: the rest of the input)
// Checks: out never exceeds the limit; and the same messages fed whole to a second
// Inflater give the same results and bytes, so a split never changes the outcome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "ws/Inflater.h"

using wshub::ws::Inflater;
using wshub::ws::InflateResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int window_bits = 8 + (data[0] & 7);
  const bool no_context_takeover = data[0] & 8;
  const size_t limit = (data[0] & 16) ? 1000 : size_t{1} << 20;
  Inflater split(window_bits, no_context_takeover);
  Inflater whole(window_bits, no_context_takeover);
  std::string out, out_whole, message;
  InflateResult result = InflateResult::ok;
  size_t pos = 1;
  while (pos < size) {
    const uint8_t control = data[pos++];
    const bool end = control & 1;
    size_t len = control >> 1;
    if (len == 127 || len > size - pos) len = size - pos;
    std::span<const std::byte> piece(reinterpret_cast<const std::byte*>(data + pos), len);
    pos += len;
    message.append(reinterpret_cast<const char*>(piece.data()), len);
    // After too_big or corrupt the rest of the message is not fed (the caller would have
    // closed); the next message starts on a reset stream, which is what we exercise.
    if (result == InflateResult::ok) result = split.inflate(piece, end, out, limit);
    if (out.size() > limit) abort();
    if (!end) continue;
    const std::span<const std::byte> all(reinterpret_cast<const std::byte*>(message.data()), message.size());
    const InflateResult result_whole = whole.inflate(all, true, out_whole, limit);
    if (out_whole.size() > limit) abort();
    if (result != result_whole) abort();
    if (result == InflateResult::ok && out != out_whole) abort();
    out.clear();
    out_whole.clear();
    message.clear();
    result = InflateResult::ok;
  }
  return 0;
}
