#pragma once
// The HTTP endpoints for operators and orchestrators, beside /healthz (Worker):
//   GET /metrics  Prometheus text format (NodeMetrics), no API key: scrapers do not send
//                 one. Turn it off with metrics.enabled = false, or keep it off the
//                 public network (firewall, load balancer rule, or scrape api_listen).
//   GET /readyz   200 {"status":"ready"} when the node listens and its broker is
//                 connected; 503 {"status":"draining"} after SIGTERM, 503
//                 {"status":"broker_unavailable"} while the broker is down. Load balancers
//                 take a node out of rotation on the 503, before it closes connections.
// Both answer on the worker thread at once; a scrape sums relaxed counters, no locks
// but the hub's node-channel count.
#include <atomic>
#include <functional>
#include <string>

#include "http/Handler.h"

namespace wshub::server {

class MetricsEndpoint final : public http::Handler {
 public:
  explicit MetricsEndpoint(std::function<std::string()> render) : render_(std::move(render)) {}
  void handle(const http::Request& request, http::ReplyCallback reply) override;

 private:
  std::function<std::string()> render_;
};

class ReadinessEndpoint final : public http::Handler {
 public:
  // `broker_connected` is asked on every probe (Broker::connected(): no I/O).
  ReadinessEndpoint(const std::atomic<bool>& draining, std::function<bool()> broker_connected)
      : draining_(draining), broker_connected_(std::move(broker_connected)) {}
  void handle(const http::Request& request, http::ReplyCallback reply) override;

 private:
  const std::atomic<bool>& draining_;
  std::function<bool()> broker_connected_;
};

}  // namespace wshub::server
