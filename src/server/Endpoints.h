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

}  // namespace wshub::server
