#include "server/Server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <thread>

#include "net/Socket.h"
#include "net/TlsContext.h"

namespace wshub::server {

namespace {
constexpr int kListenBacklog = 4096;
}

Server::Server(Config config) : config_(std::move(config)) {
  unsigned n = config_.workers != 0 ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
  if (config_.tls.enabled()) {
    std::string error;
    tls_ = net::TlsContext::create(config_.tls.cert_file, config_.tls.key_file, error);
    if (!tls_) throw StartupError("tls: " + error);
  }
  context_.config = &config_;
  context_.tls = tls_.get();
  // Every worker binds its own SO_REUSEPORT listener; binding them all here, before any
  // thread starts, turns "address in use" into a clean start-up error.
  uint16_t port = config_.listen.port;
  if (port != 0) {
    // SO_REUSEPORT would let a second wshub of the same user bind this port too and
    // silently split the traffic. A plain bind first turns that into "address in use".
    std::string error;
    int probe = net::listen_tcp(config_.listen.host, port, false, 1, error);
    if (probe < 0) throw StartupError(error);
    close(probe);
  }
  for (unsigned i = 0; i < n; ++i) {
    std::string error;
    int fd = net::listen_tcp(config_.listen.host, port, true, kListenBacklog, error);
    if (fd < 0) {
      for (int open_fd : listen_fds_) close(open_fd);
      throw StartupError(error);
    }
    if (port == 0) port = net::local_port(fd);  // port 0: the others join the one the kernel chose
    listen_fds_.push_back(fd);
  }
  port_ = port;
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
  }
}

void Server::add_endpoint(std::string path, WebSocketBehavior* behavior) {
  context_.endpoints.emplace_back(std::move(path), behavior);
}

void Server::start() {
  for (size_t i = 0; i < workers_.size(); ++i) workers_[i]->start(listen_fds_[i]);
  started_ = true;
}

void Server::shutdown() {
  for (auto& w : workers_) w->request_shutdown();
}

void Server::wait() {
  for (auto& w : workers_) w->join();
}

}  // namespace wshub::server
