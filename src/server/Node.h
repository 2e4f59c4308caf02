#pragma once
// A whole wshub node in one object: the engine (Server: listeners, workers), the broker,
// the hub on every worker, and the endpoints (/websocket, and /echo when configured).
// apps/wshub runs one; an application that embeds wshub runs one in its own process.
// Construction does everything that can fail and throws StartupError.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "api/HttpApi.h"
#include "api/ServerApi.h"
#include "hub/Hub.h"
#include "server/Config.h"
#include "server/Server.h"

namespace wshub::server {

class ProtocolEndpoint;
class EchoEndpoint;
class BackendRoutes;
class AdminDashboard;
class DemoPages;
class MetricsEndpoint;
class ReadinessEndpoint;
class NatsIngest;
class RedisStreamIngest;
}  // namespace wshub::server
namespace wshub::broker {
class MeteredBroker;
}
namespace wshub::server {

class Node {
 public:
  explicit Node(Config config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Before start(): routes application messages of `type` to `handler`.
  void on(std::string type, hub::TypeHandler handler) { hub_->on(std::move(type), std::move(handler)); }

  void start();
  void shutdown();  // any thread, idempotent: clients get 4500 and the workers drain
  void wait();
  // SIGTERM's first step (any thread, idempotent): /readyz answers 503 from now on, while
  // everything else keeps working, so load balancers stop sending new clients before
  // shutdown() closes the connections (server.drain_delay later, see apps/wshub).
  void begin_drain() { draining_.store(true, std::memory_order_release); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  // SIGHUP: applies what can change at run time from a freshly loaded configuration:
  // log levels and TLS certificates (new connections get the new ones; open connections
  // keep theirs). False, with `error`, when the certificates could not be loaded (the
  // old ones stay); the log levels are applied either way.
  bool reload(const Config& fresh, std::string& error);
  // The /metrics page (NodeMetrics).
  std::string render_metrics();

  hub::Hub& hub() { return *hub_; }
  Server& server() { return *server_; }
  const Config& config() const { return server_->config(); }
  uint16_t port() const { return server_->port(); }
  uint16_t api_port() const { return server_->api_port(); }
  api::ServerApi& server_api() { return *api_; }
  // What `info` reports for this node.
  api::NodeInfo node_info() const;

 private:
  void add_operations_endpoints();
  void start_nats_ingest();
  void add_redis_ingest();

  std::unique_ptr<hub::Broker> broker_;
  broker::MeteredBroker* metered_broker_ = nullptr;  // broker_ itself: counts and times every call
  // The cluster's node list and per-user counts (on the broker); freed before the broker.
  std::unique_ptr<hub::NodeRegistry> registry_;
  std::unique_ptr<hub::Authenticator> authenticator_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<hub::Hub> hub_;
  std::unique_ptr<BackendRoutes> routes_;
  std::unique_ptr<ProtocolEndpoint> protocol_;
  std::unique_ptr<EchoEndpoint> echo_;
  std::unique_ptr<api::ServerApi> api_;
  std::unique_ptr<api::HttpApi> http_api_;
  std::unique_ptr<NatsIngest> nats_ingest_;  // [ingest] nats_subject: publish commands from NATS
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<ReadinessEndpoint> readiness_;
  std::unique_ptr<RedisStreamIngest> redis_ingest_;  // [ingest] redis_stream; publishes through api_
  std::atomic<bool> draining_{false};
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  // Last: freed after the workers are gone (its sessions and timers live on their loops).
  std::unique_ptr<AdminDashboard> admin_;
  std::unique_ptr<DemoPages> demos_;
};

// The hub's options from the configuration ([client], [channels], [namespaces]).
hub::HubOptions hub_options_from(const Config& config);

}  // namespace wshub::server
