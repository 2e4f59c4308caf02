#pragma once
// The subscriber's hot path: what a delivery says, without a JSON parser.
//
// A delivery is one JSON object per frame,
//   {"type":"bench","channel":"bench:0","offset":21,"payload":{"seq":123,"t":<ns>,"pad":".."},"from":{..}}
// and the generator only needs the channel, and the payload's `seq` and `t` (the
// publisher's CLOCK_MONOTONIC at send time, in nanoseconds). Both numbers are looked for
// after `"payload":`, so fields of the envelope with the same names cannot be mistaken for
// them; the channel is the first `"channel":"` before the payload. Replies to our own
// requests (`subscribed`, `ack`, `error`) have no payload and are classified by `type`.
#include <cstdint>
#include <string_view>

namespace wshub::bench {

struct Delivery {
  std::string_view channel;  // empty when the message has none
  uint64_t seq = 0;
  uint64_t sent_ns = 0;
};

enum class MessageKind : uint8_t { delivery, subscribed, ack, error, other };

// A delivery when the payload holds both numbers; else the kind from the `type` field.
MessageKind classify(std::string_view message, Delivery& delivery);

// The value of the first top-level-looking `"<name>":<digits>` (e.g. "id" of an error),
// or -1. A scan, not a parse: for replies, off the hot path.
int64_t find_number(std::string_view message, std::string_view name);

}  // namespace wshub::bench
