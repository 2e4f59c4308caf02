#include "server/Server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <thread>

#include "net/Socket.h"
#include "net/TlsContext.h"

namespace wshub::server {

namespace {
constexpr int kListenBacklog = 4096;

// One SO_REUSEPORT socket per worker on `address`; returns the port (the kernel's choice
// for port 0). Throws StartupError, closing what it opened.
uint16_t listen_per_worker(const ListenConfig& address, unsigned workers, std::vector<int>& fds) {
  uint16_t port = address.port;
  if (port != 0) {
    // SO_REUSEPORT would let a second wshub of the same user bind this port too and
    // silently split the traffic. A plain bind first turns that into "address in use".
    std::string error;
    int probe = net::listen_tcp(address.host, port, false, 1, error);
    if (probe < 0) throw StartupError(error);
    close(probe);
  }
  for (unsigned i = 0; i < workers; ++i) {
    std::string error;
    int fd = net::listen_tcp(address.host, port, true, kListenBacklog, error);
    if (fd < 0) {
      for (int open_fd : fds) close(open_fd);
      fds.clear();
      throw StartupError(error);
    }
    if (port == 0) port = net::local_port(fd);  // port 0: the others join the one the kernel chose
    fds.push_back(fd);
  }
  return port;
}
}  // namespace

Server::Server(Config config) : config_(std::move(config)) {
  unsigned n = config_.workers != 0 ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
  if (config_.tls.enabled()) {
    std::string error;
    tls_ = net::TlsContext::create(config_.tls.cert_file, config_.tls.key_file, error);
    if (!tls_) throw StartupError("tls: " + error);
  }
  context_.config = &config_;
  limits_ = std::make_unique<ConnectionLimits>(config_.limits);
  context_.limits = limits_.get();
  context_.tls = tls_.get();
  // Every worker binds its own SO_REUSEPORT listener; binding them all here, before any
  // thread starts, turns "address in use" into a clean start-up error.
  port_ = listen_per_worker(config_.listen, n, listen_fds_);
  if (config_.api_listen) {
    try {
      api_port_ = listen_per_worker(*config_.api_listen, n, api_fds_);
    } catch (const StartupError& e) {
      for (int fd : listen_fds_) close(fd);
      throw StartupError(std::string("server.api_listen: ") + e.what());
    }
  }
  // Workers (and their loops) exist from here on, so the hub can attach to each loop
  // before any thread runs; their threads start in start().
  for (size_t i = 0; i < listen_fds_.size(); ++i) {
    workers_.push_back(std::make_unique<Worker>(static_cast<unsigned>(i), context_));
  }
}

Server::~Server() {
  if (started_) {
    shutdown();
    wait();
  }
  workers_.clear();
  if (!started_) {
    for (int fd : listen_fds_) close(fd);
    for (int fd : api_fds_) close(fd);
  }
}

void Server::add_endpoint(std::string path, WebSocketBehavior* behavior) {
  context_.endpoints.emplace_back(std::move(path), behavior);
}

void Server::add_http_route(std::string prefix, http::Handler* handler, bool on_main, bool on_api, bool exact) {
  context_.http_routes.push_back(HttpRoute{std::move(prefix), handler, on_main, on_api, exact});
}

void Server::start() {
  for (size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->start(listen_fds_[i], api_fds_.empty() ? -1 : api_fds_[i]);
  }
  started_ = true;
}

void Server::shutdown() {
  for (auto& w : workers_) w->request_shutdown();
}

bool Server::reload_tls(const TlsConfig& tls, std::string& error) {
  if (!tls_ && !tls.enabled()) return true;
  if (!tls_ || !tls.enabled()) {
    error = "turning TLS on or off needs a restart";
    return false;
  }
  if (!tls_->reload(tls.cert_file, tls.key_file, error)) return false;
  return true;
}

void Server::wait() {
  for (auto& w : workers_) w->join();
}

}  // namespace wshub::server
