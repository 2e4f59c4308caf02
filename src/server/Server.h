#pragma once
// The process: N workers over one listening address, TLS set-up, graceful shutdown.
// Construction does all the work that can fail (bind, certificates) and throws
// StartupError, so a misconfigured server never half-starts.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/Config.h"
#include "server/ConnectionLimits.h"
#include "server/Stats.h"
#include "server/Worker.h"

namespace wshub::server {

struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  explicit Server(Config config);
  ~Server();

  // Before start(): serve `behavior` as a WebSocket endpoint at `path`. The behavior is
  // shared by all workers and must be safe to call from each of their threads.
  void add_endpoint(std::string path, WebSocketBehavior* behavior);
  // Before start(): serve plain HTTP requests under `prefix` with `handler` (thread-safe,
  // like a behavior), on the main listener and/or the api_listen one.
  void add_http_route(std::string prefix, http::Handler* handler, bool on_main, bool on_api,
                      bool exact = false);

  void start();
  // Any thread, idempotent: stop accepting, close every connection with 1001, let the
  // workers drain until shutdown_timeout.
  void shutdown();
  // Blocks until every worker has stopped.
  void wait();
  // SIGHUP: loads `tls`'s certificate and key again (the paths may have changed) for new
  // connections. True without TLS (nothing to do) or when loaded; false with `error` when
  // the files are unusable (the current certificate stays), or when TLS would be turned
  // on or off (that needs a restart: the listeners were set up for one or the other).
  bool reload_tls(const TlsConfig& tls, std::string& error);

  const Config& config() const { return config_; }
  uint16_t port() const { return port_; }
  uint16_t api_port() const { return api_port_; }  // 0 without server.api_listen
  unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }
  const WorkerStats& worker_stats(unsigned i) const { return workers_[i]->stats(); }
  // Exists from construction; its thread runs from start().
  Worker& worker(unsigned i) { return *workers_[i]; }
  // The node-wide accept rate and connection caps ([limits]).
  const ConnectionLimits& limits() const { return *limits_; }

 private:
  Config config_;
  std::unique_ptr<net::TlsContext> tls_;
  std::unique_ptr<ConnectionLimits> limits_;
  WorkerContext context_;
  std::vector<int> listen_fds_;
  std::vector<int> api_fds_;  // one per worker when server.api_listen is set
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
  uint16_t api_port_ = 0;
  bool started_ = false;
};

}  // namespace wshub::server
