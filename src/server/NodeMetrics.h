#pragma once
// The /metrics page of a node: every counter of the workers (server/Stats.h), of the
// hub's workers (hub::HubCounters), of the hub (publications per namespace), of the
// broker (broker::MeteredBroker) and of the process, summed over the workers at the
// moment of the scrape. Names, types and labels are listed in docs/operations.md; a
// name once published is never renamed (dashboards and alerts depend on it).
//
// Reading is safe from any thread: every counter is a relaxed atomic. The sums are not a
// consistent snapshot across counters (a connection may be counted as accepted and not
// yet as current), which Prometheus' rate() does not mind.
#include <chrono>
#include <string>

namespace wshub::hub {
class Hub;
}
namespace wshub::broker {
class MeteredBroker;
}

namespace wshub::server {

class Server;
class RedisStreamIngest;

struct NodeMetricsSource {
  const Server* server = nullptr;
  hub::Hub* hub = nullptr;  // non-const: channel counts take the hub's node mutex
  const broker::MeteredBroker* broker = nullptr;  // may be null: no broker metrics
  std::chrono::steady_clock::time_point started_at;
  bool draining = false;
  const RedisStreamIngest* redis_ingest = nullptr;  // may be null: ingestion is off
};

std::string render_node_metrics(const NodeMetricsSource& source);

}  // namespace wshub::server
