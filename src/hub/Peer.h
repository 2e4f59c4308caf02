#pragma once
// The hub's view of a WebSocket connection: what it needs to send and to close, nothing
// of sockets or HTTP. The server's Connection implements it; unit tests use a recorder.
// One virtual call per delivery, never per byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/ErrorCode.h"

namespace wshub::ws {
class FramedMessage;
}

namespace wshub::hub {

// What a connection exchanged, for the admin page and the `connections` API method.
struct MessageCounts {
  uint64_t in = 0;   // WebSocket messages received
  uint64_t out = 0;  // WebSocket messages queued for sending
};

class Peer {
 public:
  virtual ~Peer() = default;
  // Frames and queues one encoded message: a text frame for JSON, binary for
  // MessagePack. False when it was not queued (closing, or dropped as a slow consumer).
  virtual bool send_message(std::string_view encoded) = 0;
  // Queues a frame shared with other recipients (fan-out: framed once per worker).
  virtual bool send_framed(ws::FramedMessage& message) = 0;
  // Closes with a wshub close code (4000-4999). The hub is told through
  // WorkerHub::remove_client, possibly before this returns.
  virtual void disconnect(const DisconnectReason& reason) = 0;
  virtual std::string remote_address() const = 0;
  virtual MessageCounts message_counts() const { return {}; }
};

}  // namespace wshub::hub
