#pragma once
// The built-in WebSocket endpoints.
#include "server/Connection.h"

namespace wshub::server {

// /echo: every text and binary message back, unchanged (conformance suites, benchmarks).
class EchoEndpoint final : public WebSocketBehavior {
 public:
  void on_message(Connection& connection, ws::Opcode opcode, std::span<const std::byte> payload) override {
    connection.send(opcode, payload);
  }
};

// /websocket: the main endpoint. The messaging protocol (docs/protocol.md) is served
// here once the hub exists; until then the endpoint accepts connections and keeps them
// alive (heartbeats, close handshake) without interpreting messages.
class MainEndpoint final : public WebSocketBehavior {
 public:
  void on_message(Connection&, ws::Opcode, std::span<const std::byte>) override {}
};

}  // namespace wshub::server
