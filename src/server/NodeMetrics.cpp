#include "server/NodeMetrics.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "broker/MeteredBroker.h"
#include "hub/Hub.h"
#include "hub/WorkerHub.h"
#include "server/PrometheusWriter.h"
#include "server/ProcessMemory.h"
#include "server/RedisStreamIngest.h"
#include "server/Server.h"

namespace wshub::server {

namespace {

using Type = PrometheusWriter::Type;

// Sums one counter over the workers of the engine.
template <typename Get>
uint64_t sum_workers(const Server& server, Get get) {
  uint64_t total = 0;
  for (unsigned i = 0; i < server.worker_count(); ++i) total += get(server.worker_stats(i));
  return total;
}

// Sums one counter over the hub's workers.
template <typename Get>
uint64_t sum_hubs(hub::Hub& hub, Get get) {
  uint64_t total = 0;
  for (unsigned i = 0; i < hub.worker_count(); ++i) total += get(hub.worker(i).counters());
  return total;
}

uint64_t load(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }

int64_t positive(int64_t v) { return v > 0 ? v : 0; }

void write_process(PrometheusWriter& w, const NodeMetricsSource& s) {
  w.family("wshub_build_info", Type::gauge, "Always 1; the version of this wshub binary is the label.");
  w.sample({{"version", WSHUB_VERSION}}, uint64_t{1});
  auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started_at).count();
  w.gauge("wshub_uptime_seconds", "Seconds since the node started.", uptime);
  if (auto memory = read_process_memory()) {
    w.gauge("wshub_process_resident_memory_bytes", "Resident set size of the process (/proc/self/statm).",
            static_cast<double>(memory->resident_bytes));
    w.gauge("wshub_process_virtual_memory_bytes", "Virtual memory size of the process (/proc/self/statm).",
            static_cast<double>(memory->virtual_bytes));
  }
  w.gauge("wshub_workers", "Worker threads (event loops).", static_cast<double>(s.server->worker_count()));
  w.gauge("wshub_draining", "1 after SIGTERM while the node drains (/readyz answers 503), else 0.",
          s.draining ? 1.0 : 0.0);
}

void write_connections(PrometheusWriter& w, const Server& server) {
  int64_t current = 0;
  int64_t queued = 0;
  for (unsigned i = 0; i < server.worker_count(); ++i) {
    current += server.worker_stats(i).connections_current.load(std::memory_order_relaxed);
    queued += server.worker_stats(i).outbound_queued_bytes.load(std::memory_order_relaxed);
  }
  w.family("wshub_connections", Type::gauge, "Open TCP connections (HTTP, handshaking and WebSocket).");
  w.sample({}, positive(current));
  w.counter("wshub_connections_accepted_total", "TCP connections accepted.",
            sum_workers(server, [](auto& s) { return s.connections_accepted.get(); }));
  w.counter("wshub_connections_closed_total", "TCP connections closed, for any reason.",
            sum_workers(server, [](auto& s) { return s.connections_closed.get(); }));
  w.counter("wshub_websockets_opened_total", "WebSocket upgrades completed (101 sent).",
            sum_workers(server, [](auto& s) { return s.websockets_opened.get(); }));

  // Close codes: summed per code over the workers, listed in code order.
  std::vector<std::pair<uint16_t, uint64_t>> codes;
  for (unsigned i = 0; i < server.worker_count(); ++i) {
    server.worker_stats(i).close_codes.for_each([&](uint16_t code, uint64_t n) {
      for (auto& [c, total] : codes) {
        if (c == code) {
          total += n;
          return;
        }
      }
      codes.emplace_back(code, n);
    });
  }
  std::sort(codes.begin(), codes.end());
  w.family("wshub_websocket_closes_total", Type::counter,
           "WebSockets closed, by close code (sent or received; 1006: lost without a close frame; "
           "\"other\": outside 1000-1015 and 4000-4999).");
  for (const auto& [code, n] : codes) {
    std::string label = code == CloseCodeCounts::kOther ? std::string("other") : std::to_string(code);
    w.sample({{"code", label}}, n);
  }

  w.family("wshub_handshake_failures_total", Type::counter,
           "Connections that did not become a WebSocket, by reason.");
  w.sample({{"reason", "tls"}}, sum_workers(server, [](auto& s) { return s.handshake_failed_tls.get(); }));
  w.sample({{"reason", "upgrade"}}, sum_workers(server, [](auto& s) { return s.handshake_failed_upgrade.get(); }));
  w.sample({{"reason", "token"}}, sum_workers(server, [](auto& s) { return s.handshake_failed_token.get(); }));
  w.sample({{"reason", "timeout"}}, sum_workers(server, [](auto& s) { return s.handshake_timeouts.get(); }));
  w.counter("wshub_tls_handshakes_total", "TLS handshakes completed.",
            sum_workers(server, [](auto& s) { return s.tls_handshakes.get(); }));
  w.counter("wshub_accept_errors_total", "accept() failures (out of descriptors, ...).",
            sum_workers(server, [](auto& s) { return s.accept_errors.get(); }));
  w.counter("wshub_http_requests_total", "Plain HTTP requests answered (health, metrics, server API).",
            sum_workers(server, [](auto& s) { return s.http_requests.get(); }));
  w.counter("wshub_http_errors_total", "Malformed HTTP requests (400, 413, 431, ...).",
            sum_workers(server, [](auto& s) { return s.http_errors.get(); }));

  w.counter("wshub_messages_received_total", "WebSocket messages received.",
            sum_workers(server, [](auto& s) { return s.messages_in.get(); }));
  w.counter("wshub_messages_sent_total", "WebSocket messages queued to clients.",
            sum_workers(server, [](auto& s) { return s.messages_out.get(); }));
  w.counter("wshub_received_bytes_total", "Bytes read from sockets (TLS: decrypted).",
            sum_workers(server, [](auto& s) { return s.bytes_in.get(); }));
  w.counter("wshub_sent_bytes_total", "Bytes written to sockets (TLS: before encryption).",
            sum_workers(server, [](auto& s) { return s.bytes_out.get(); }));
  w.family("wshub_outbound_queued_bytes", Type::gauge,
           "Bytes waiting in connections' output queues (as of each connection's last flush).");
  w.sample({}, positive(queued));
  w.counter("wshub_outbound_dropped_bytes_total", "Queued bytes discarded from slow consumers.",
            sum_workers(server, [](auto& s) { return s.bytes_dropped.get(); }));
  w.counter("wshub_slow_consumer_disconnects_total",
            "Connections closed because their output queue reached websocket.max_outbound_buffer.",
            sum_workers(server, [](auto& s) { return s.slow_consumers.get(); }));
  w.counter("wshub_ping_timeouts_total", "Connections closed because no pong (or anything) came back.",
            sum_workers(server, [](auto& s) { return s.ping_timeouts.get(); }));
  w.counter("wshub_protocol_errors_total", "WebSockets failed for an RFC 6455 protocol error.",
            sum_workers(server, [](auto& s) { return s.protocol_errors.get(); }));
}

void write_limits(PrometheusWriter& w, const Server& server, hub::Hub& hub) {
  w.family("wshub_refused_connections_total", Type::counter,
           "Connections refused by [limits], by reason (429 before the upgrade; per user: 4029).");
  w.sample({{"reason", "accept_rate"}}, sum_workers(server, [](auto& s) { return s.refused_accept_rate.get(); }));
  w.sample({{"reason", "max_connections"}}, sum_workers(server, [](auto& s) { return s.refused_total.get(); }));
  w.sample({{"reason", "max_connections_per_ip"}},
           sum_workers(server, [](auto& s) { return s.refused_per_ip.get(); }));
  w.sample({{"reason", "max_connections_per_user"}},
           sum_hubs(hub, [](auto& c) { return load(c.refused_per_user); }));
  w.counter("wshub_rate_limited_requests_total", "Client requests refused by limits.message_rate (error 111).",
            sum_hubs(hub, [](auto& c) { return load(c.requests_rate_limited); }));
  w.counter("wshub_rate_limit_disconnects_total",
            "Connections closed with 4029 (per-user cap or sustained request-rate abuse).",
            sum_hubs(hub, [](auto& c) { return load(c.closes_too_many_requests); }));
}

void write_hub(PrometheusWriter& w, hub::Hub& hub) {
  int64_t clients = 0;
  for (unsigned i = 0; i < hub.worker_count(); ++i) {
    clients += hub.worker(i).counters().clients.load(std::memory_order_relaxed);
  }
  w.family("wshub_clients", Type::gauge, "Open connections of the wshub protocol (/websocket).");
  w.sample({}, positive(clients));
  w.family("wshub_channels", Type::gauge, "Channels this node is subscribed to at the broker.");
  w.sample({}, static_cast<uint64_t>(hub.node_channel_count()));
  w.counter("wshub_commands_total", "Client commands handled.",
            sum_hubs(hub, [](auto& c) { return load(c.commands); }));
  w.counter("wshub_command_errors_total", "Client commands answered with an error.",
            sum_hubs(hub, [](auto& c) { return load(c.command_errors); }));

  w.family("wshub_publications_total", Type::counter,
           "Publications accepted for the broker (clients and server API), by namespace (\"\": the default).");
  hub.for_each_namespace_publications([&](const std::string& name, uint64_t n) { w.sample({{"namespace", name}}, n); });
  w.counter("wshub_worker_publications_total", "Publications that reached a worker with subscribers' channels "
            "(one per publication and worker).",
            sum_hubs(hub, [](auto& c) { return load(c.publications_received); }));
  w.counter("wshub_deliveries_total", "Publication and user-message frames queued to subscribers (fan-out).",
            sum_hubs(hub, [](auto& c) { return load(c.deliveries); }));
  w.counter("wshub_deliveries_dropped_total", "Deliveries refused by a full output queue (slow consumer).",
            sum_hubs(hub, [](auto& c) { return load(c.deliveries_dropped); }));
  w.counter("wshub_hub_dropped_posts_total", "Publications lost because a worker's queue was full.",
            hub.dropped_posts());

  hub::DurationHistogram::Snapshot latency;
  for (unsigned i = 0; i < hub.worker_count(); ++i) hub.worker(i).counters().delivery_latency.add_to(latency);
  w.family("wshub_delivery_latency_seconds", Type::histogram,
           "From a publish accepted to its frame queued on the last subscriber's socket of a worker "
           "(one observation per publication and worker).");
  w.histogram({}, latency);

  w.family("wshub_auth_failures_total", Type::counter, "Authentication failures, by reason.");
  w.sample({{"reason", "invalid_token"}}, sum_hubs(hub, [](auto& c) { return load(c.auth_invalid_token); }));
  w.sample({{"reason", "expired_token"}}, sum_hubs(hub, [](auto& c) { return load(c.auth_expired_token); }));
  w.sample({{"reason", "missing_token"}}, sum_hubs(hub, [](auto& c) { return load(c.auth_missing_token); }));
  w.sample({{"reason", "connect_timeout"}}, sum_hubs(hub, [](auto& c) { return load(c.auth_connect_timeouts); }));
  w.sample({{"reason", "token_expired_while_connected"}},
           sum_hubs(hub, [](auto& c) { return load(c.auth_expired_connections); }));
  w.sample({{"reason", "subscription_refused"}},
           sum_hubs(hub, [](auto& c) { return load(c.auth_subscription_refused); }));
  w.counter("wshub_auth_refreshes_total", "Successful token refreshes.",
            sum_hubs(hub, [](auto& c) { return load(c.auth_refreshes); }));
}

void write_broker(PrometheusWriter& w, const broker::MeteredBroker& broker) {
  using broker::BrokerOperation;
  std::array<broker::MeteredBroker::OperationStats, broker::kBrokerOperations> stats;
  for (size_t i = 0; i < stats.size(); ++i) stats[i] = broker.stats(static_cast<BrokerOperation>(i));
  auto name = [](size_t i) { return broker::operation_name(static_cast<BrokerOperation>(i)); };
  auto completes = [](size_t i) { return broker::operation_completes(static_cast<BrokerOperation>(i)); };

  w.family("wshub_broker_connected", Type::gauge, "1 when the broker's backing service is reachable.");
  w.sample({}, uint64_t{broker.connected() ? 1u : 0u});
  w.family("wshub_broker_operations_total", Type::counter, "Broker calls, by operation.");
  for (size_t i = 0; i < stats.size(); ++i) w.sample({{"operation", name(i)}}, stats[i].calls);
  w.family("wshub_broker_errors_total", Type::counter, "Broker calls that completed with an error, by operation.");
  for (size_t i = 0; i < stats.size(); ++i) {
    if (completes(i)) w.sample({{"operation", name(i)}}, stats[i].errors);
  }
  w.family("wshub_broker_latency_seconds", Type::histogram, "From a broker call to its completion, by operation.");
  for (size_t i = 0; i < stats.size(); ++i) {
    if (completes(i)) w.histogram({{"operation", name(i)}}, stats[i].latency);
  }
}

}  // namespace

std::string render_node_metrics(const NodeMetricsSource& source) {
  PrometheusWriter w;
  write_process(w, source);
  write_connections(w, *source.server);
  write_limits(w, *source.server, *source.hub);
  write_hub(w, *source.hub);
  if (source.broker) write_broker(w, *source.broker);
  if (source.redis_ingest) source.redis_ingest->write_metrics(w);
  return w.take();
}

}  // namespace wshub::server
