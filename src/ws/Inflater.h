#pragma once
// permessage-deflate decompression (RFC 7692 §7.2.2) for messages received from clients.
#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace wshub::ws {

enum class InflateResult { ok, too_big, corrupt };

// One per connection that negotiated permessage-deflate. Payload pieces of one message
// arrive in order (any split, including across frames); with `message_end` the implicit
// 0x00 0x00 0xff 0xff tail is fed internally. Inflated bytes are appended to `out`.
// Invariant: `out.size()` never exceeds `limit`; inflation stops as soon as it would,
// and returns too_big, so a deflate bomb is never inflated whole.
// With no_context_takeover the window is reset after each message.
class Inflater {
 public:
  // window_bits: the negotiated client_max_window_bits (8..15).
  Inflater(int window_bits, bool no_context_takeover);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // On too_big or corrupt, `out` holds a partial message (still within `limit`) and the
  // stream is reset; with context takeover the peer's later messages may refer to history
  // we no longer have, so the caller closes the connection (1009 / 1007).
  InflateResult inflate(std::span<const std::byte> in, bool message_end, std::string& out, size_t limit);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wshub::ws
