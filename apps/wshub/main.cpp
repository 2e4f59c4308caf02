// wshub: the standalone server. Parses configuration, starts the workers, and turns
// SIGTERM/SIGINT into a graceful shutdown. Signals are blocked in every thread and
// taken synchronously here with sigwait, so no handler runs inside a worker.
#include <signal.h>
#include <sys/resource.h>
#include <spdlog/spdlog.h>

#include <cstdio>

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

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: configuration reload is not supported yet; ignoring");
      continue;
    }
    spdlog::info("{}: shutting down (deadline {} ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 config->shutdown_timeout.count());
    break;
  }
  server->shutdown();
  server->wait();
  spdlog::info("stopped");
  return 0;
}
