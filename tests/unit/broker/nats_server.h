#pragma once
// A real nats-server for the broker tests, started on a free loopback port and stopped by
// PID (never by name), like redis_server.h. NATS core keeps nothing, so a restart is just
// a gap. Tests skip, with a message, only when the nats-server binary is not installed.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "redis_server.h"  // free_loopback_port, port_accepts

namespace wshub::broker::testing {

inline const char* nats_server_binary() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return nullptr;
}

class NatsServer {
 public:
  NatsServer() : port_(free_loopback_port()) {}
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  static bool installed() { return nats_server_binary() != nullptr; }

  // Starts (or restarts) on the same port; true once it accepts connections.
  bool start() {
    if (pid_ > 0) return true;
    const char* binary = nats_server_binary();
    if (!binary) return false;
    const std::string port = std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (int null = ::open("/dev/null", O_WRONLY); null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execl(binary, binary, "-a", "127.0.0.1", "-p", port.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (port_accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // SIGSTOP / SIGCONT: a server that accepts bytes and never answers.
  void pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
  }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

// One server for the whole conformance run (subjects carry a per-run prefix).
inline NatsServer* shared_nats_server() {
  static NatsServer* server = [] {
    if (!NatsServer::installed()) return static_cast<NatsServer*>(nullptr);
    static NatsServer instance;
    return instance.start() ? &instance : nullptr;
  }();
  return server;
}

}  // namespace wshub::broker::testing
