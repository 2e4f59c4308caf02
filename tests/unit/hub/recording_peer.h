#pragma once
// A hub::Peer without a socket for the hub's unit tests: keeps what is sent, and on
// disconnect tells the hub at once (as Connection's on_close does).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/WorkerHub.h"
#include "ws/FramedMessage.h"

namespace wshub::hub {

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// What a connection would do, minus the socket: keep what is sent, and on disconnect
// tell the hub at once (as Connection's on_close does).
class RecordingPeer final : public Peer {
 public:
  explicit RecordingPeer(WorkerHub& hub) : hub_(hub) {}
  bool send_message(std::string_view encoded) override {
    if (closed) return false;
    messages.emplace_back(encoded);
    if (close_after_messages != 0 && messages.size() == close_after_messages)
      disconnect(disconnect::slow_consumer);
    return true;
  }
  bool send_framed(ws::FramedMessage& message) override {
    if (closed) return false;
    auto p = message.payload();
    messages.emplace_back(reinterpret_cast<const char*>(p.data()), p.size());
    if (close_on_next_delivery) disconnect(disconnect::slow_consumer);
    return true;
  }
  void disconnect(const DisconnectReason& reason) override {
    if (closed) return;
    closed = true;
    close_code = reason.code;
    if (client) hub_.close_client(client);  // null while open_client is still running
  }
  std::string remote_address() const override { return "test"; }

  Client* client = nullptr;
  std::vector<std::string> messages;
  bool closed = false;
  bool close_on_next_delivery = false;
  size_t close_after_messages = 0;  // disconnect (as a slow consumer would be) after this many
  uint16_t close_code = 0;

 private:
  WorkerHub& hub_;
};

}  // namespace wshub::hub
