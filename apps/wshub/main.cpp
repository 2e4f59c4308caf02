// wshub: the standalone server. Parses configuration, starts the workers, turns SIGHUP
// into a reload (log levels, TLS certificates) and SIGTERM/SIGINT into a graceful drain:
// /readyz answers 503 at once, connections are closed (4500) server.drain_delay later,
// and the process exits when they are gone or at server.shutdown_timeout after that.
// Signals are blocked in every thread and taken synchronously here with sigwait, so no
// handler runs inside a worker.
#include <signal.h>
#include <sys/resource.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "server/CommandLine.h"
#include "server/ConfigLoader.h"
#include "server/Logging.h"
#include "server/Node.h"

int main(int argc, char** argv, char** envp) {
  using namespace wshub::server;
  int exit_code = 0;
  std::optional<Config> config = parse_command_line(argc, argv, envp, exit_code);
  if (!config) return exit_code;
  setup_logging(config->log);

  // One descriptor per connection: take every descriptor the hard limit allows (the soft
  // limit is often 1024, far below what a hub holds).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every worker thread
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<Node> server;
  try {
    server = std::make_unique<Node>(*config);
  } catch (const StartupError& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  server->start();

  const char* scheme = config->tls.enabled() ? "wss" : "ws";
  std::string host = config->listen.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string base = fmt::format("{}://{}:{}", scheme, host, server->port());
  spdlog::info("wshub {} listening on {}/websocket with {} workers{}", WSHUB_VERSION, base,
               server->server().worker_count(), config->dev ? " (development mode)" : "");
  if (config->echo_endpoint) spdlog::info("echo endpoint: {}/echo", base);
  if (config->api.key.empty()) {
    spdlog::info("server API: off (set api.key or WSHUB_API_KEY to turn it on)");
  } else if (config->api_listen) {
    std::string api_host = config->api_listen->host;
    if (api_host == "0.0.0.0" || api_host.empty()) api_host = "127.0.0.1";
    if (api_host.find(':') != std::string::npos) api_host = "[" + api_host + "]";
    spdlog::info("server API: http://{}:{}/api/", api_host, server->api_port());
  } else {
    spdlog::info("server API: {}://{}:{}/api/{}", config->tls.enabled() ? "https" : "http", host, server->port(),
                 config->dev && config->api.key == wshub::server::kDevApiKey
                     ? fmt::format(" (development key \"{}\")", config->api.key)
                     : "");
  }
  if (config->admin.enabled) {
    spdlog::info("admin dashboard: {}://{}:{}/admin (log in with {})", config->tls.enabled() ? "https" : "http", host,
                 server->port(), config->admin.password.empty() ? "the api.key" : "admin.password");
  }
  if (config->demos.enabled) {
    spdlog::info("demos: {}://{}:{}/", config->tls.enabled() ? "https" : "http", host, server->port());
  }
  std::fflush(stdout);

  // SIGHUP: the configuration is read again from the same command line, file and
  // environment; what can change at run time is applied, the rest needs a restart.
  auto reload = [&] {
    std::ostringstream out, err;
    int code = 0;
    std::optional<Config> fresh = parse_command_line(argc, argv, envp, code, out, err);
    if (!fresh) {
      spdlog::error("SIGHUP: configuration not reloaded: {}", err.str());
      return;
    }
    std::string error;
    if (!server->reload(*fresh, error)) {
      spdlog::error("SIGHUP: log levels reloaded (log.level {}); TLS certificates not reloaded: {}",
                    fresh->log.level, error);
      return;
    }
    spdlog::info("SIGHUP: reloaded log levels (log.level {}){}", fresh->log.level,
                 fresh->tls.enabled() ? " and TLS certificates" : "");
  };

  int sig = 0;
  for (;;) {
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    break;
  }
  // Drain: first only /readyz changes, so load balancers stop sending new clients while
  // the open ones keep working; a second SIGTERM/SIGINT cuts the delay short.
  server->begin_drain();
  spdlog::info("{}: draining: /readyz answers 503; closing connections in {} ms, deadline {} ms after that",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", config->drain_delay.count(), config->shutdown_timeout.count());
  auto close_at = std::chrono::steady_clock::now() + config->drain_delay;
  for (;;) {
    auto left = close_at - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds(0)) break;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    int got = sigtimedwait(&signals, nullptr, &timeout);
    if (got == SIGHUP) reload();
    if (got == SIGTERM || got == SIGINT) break;
  }
  spdlog::info("closing connections (4500: reconnect to another node)");
  server->shutdown();
  server->wait();
  spdlog::info("stopped");
  return 0;
}
