#pragma once
// /websocket: the wshub protocol (docs/protocol.md). Bridges the engine's connections to
// the hub: a Client per open WebSocket on the connection's own worker, frames in, close
// codes out (4500 on shutdown, 4008 for slow consumers). A Bearer token on the upgrade
// request is verified before the 101 (server/UpgradeToken.h): valid, the Client starts
// authenticated; invalid, the upgrade is refused with 401.
#include <vector>

#include "hub/WorkerHub.h"
#include "server/Connection.h"
#include "server/LogThrottle.h"

namespace wshub::server {

class ProtocolEndpoint final : public WebSocketBehavior {
 public:
  // `hubs[i]` is the WorkerHub of worker i.
  explicit ProtocolEndpoint(std::vector<hub::WorkerHub*> hubs)
      : hubs_(std::move(hubs)),
        refusal_log_(hubs_.size(), LogThrottle(std::chrono::seconds(1), kRefusalLinesPerSecond)),
        refused_close_(hubs_.size()) {}

  std::string on_upgrade_request(Connection& connection, const http::Request& request) override;
  void on_open(Connection& connection) override;
  void on_message(Connection& connection, ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_close(Connection& connection, uint16_t code, std::string_view reason) override;
  void on_server_shutdown(Connection& connection) override;
  void on_slow_consumer(Connection& connection) override;

 private:
  static constexpr uint32_t kRefusalLinesPerSecond = 10;
  std::vector<hub::WorkerHub*> hubs_;
  std::vector<LogThrottle> refusal_log_;  // per worker: refused Bearer tokens
  // Per worker: the close of a client refused inside open_client (the per-user cap), kept
  // for on_open to log after the open line. Here rather than in every Connection, whose
  // idle size is budgeted.
  struct RefusedClose {
    bool opening = false;
    uint16_t code = 0;
    std::string reason;
  };
  std::vector<RefusedClose> refused_close_;
};

}  // namespace wshub::server
