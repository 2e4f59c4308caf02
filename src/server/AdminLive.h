#pragma once
// /admin/live: the dashboard's WebSocket, on wshub's own engine (docs/operations.md,
// "Admin dashboard"). JSON text messages:
//
//   -> {"type":"login","secret":".."}        first, within client.connect_timeout
//   <- {"type":"welcome","node","version","workers"}, then a `stats` message at once and
//      every second: {"type":"stats","time","uptime","connections","channels",
//      "messages_in","messages_out","messages_in_per_second","messages_out_per_second",
//      "workers":[{"connections","messages_in","messages_out"},..]}
//   -> {"type":"call","id":N,"method":"connections","params":{..}}
//   <- {"type":"reply","id":N,"result":{..}} or {"type":"reply","id":N,"error":{"code","message"}}
//      the same JSON as POST /api/<method>; methods: info, channels, connections,
//      disconnect, presence, presence_stats, history.
//
// Refusals: a wrong secret gets error 101 then close 4001; no login in time 4005; too
// many login attempts on the node error 111 then close 4029; anything but a login
// before it 4001; malformed messages error 107 (the socket stays open); more than
// kMaxCallsInFlight unanswered calls error 111.
//
// Threads: the behavior is shared by every worker; each worker keeps its own sessions
// and its own one-second ticker, touched only on that worker's thread. API completions
// come back to the session's worker by posting, and find the session by id (dropped if
// it closed meanwhile).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "api/NodeInfo.h"
#include "api/ServerApi.h"
#include "net/EventLoop.h"
#include "server/AdminLogin.h"
#include "server/Connection.h"

namespace wshub::server {

// What the ticker reports: node totals and each worker's share.
struct WorkerSample {
  uint64_t connections = 0;  // open /websocket connections
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
};
struct NodeSample {
  api::NodeInfo node;
  std::vector<WorkerSample> workers;
};
using NodeSampleSource = std::function<NodeSample()>;  // any thread

class AdminLive final : public WebSocketBehavior {
 public:
  static constexpr size_t kMaxCallsInFlight = 16;
  static constexpr std::chrono::milliseconds kStatsInterval{1000};

  // `loops[i]` is worker i's loop.
  AdminLive(std::vector<net::EventLoop*> loops, api::ServerApi& api, std::string_view secret,
            std::chrono::milliseconds login_timeout, NodeSampleSource sample);
  ~AdminLive() override;

  void on_open(Connection& connection) override;
  void on_message(Connection& connection, ws::Opcode opcode, std::span<const std::byte> payload) override;
  void on_close(Connection& connection, uint16_t code, std::string_view reason) override;

 private:
  struct Session;
  struct WorkerState;
  void handle_login(Session& session, std::string_view secret);
  void handle_call(Session& session, uint64_t id, std::string_view method, std::string_view params);
  void send_stats(WorkerState& state);
  static std::string stats_message(const NodeSample& sample, uint64_t in_rate, uint64_t out_rate);
  static void on_login_deadline(net::TimerNode* node);
  static void on_tick(net::TimerNode* node);

  std::vector<std::unique_ptr<WorkerState>> workers_;
  api::ServerApi& api_;
  AdminLogin login_;
  std::chrono::milliseconds login_timeout_;
  NodeSampleSource sample_;
};

}  // namespace wshub::server
