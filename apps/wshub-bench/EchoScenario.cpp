// The echo scenario: connections keep messages in flight against an echo endpoint.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "CpuClock.h"
#include "EchoWorker.h"
#include "Report.h"
#include "Scenario.h"

namespace wshub::bench {
namespace {

constexpr double kConnectTimeoutSeconds = 10;

void sleep_seconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

int run_echo(const Options& options) {
  EchoTarget target;
  if (!resolve(options.host, options.port, target.address)) {
    std::fprintf(stderr, "wshub-bench: cannot resolve %s\n", options.host.c_str());
    return 1;
  }
  target.host_header = options.host + ":" + std::to_string(options.port);
  target.path = options.path;
  target.pipeline = options.pipeline;
  target.size = options.size;
  target.binary = options.binary;
  target.raw = options.raw;

  // Connections are spread evenly over the workers. A worker opens its sockets in its
  // constructor, on this thread; thread start is the hand-over point, before any event.
  RunControl control;
  std::vector<std::unique_ptr<EchoWorker>> workers;
  int next_id = 0;
  for (int t = 0; t < options.threads; ++t) {
    const int share =
        options.connections / options.threads + (t < options.connections % options.threads ? 1 : 0);
    workers.push_back(std::make_unique<EchoWorker>(target, control, share, next_id));
    next_id += share;
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });

  auto stop_and_join = [&] {
    control.phase.store(Phase::stop, std::memory_order_release);
    for (auto& thread : threads) thread.join();
  };

  const double connect_deadline = monotonic_seconds() + kConnectTimeoutSeconds;
  while (control.upgraded.load() + control.failed.load() < options.connections &&
         monotonic_seconds() < connect_deadline) {
    sleep_seconds(0.005);
  }
  if (control.upgraded.load() < options.connections) {
    stop_and_join();
    std::string why = "timed out";
    for (auto& worker : workers) {
      if (!worker->result().first_error.empty()) why = worker->result().first_error;
    }
    std::fprintf(stderr, "wshub-bench: %d of %d connections upgraded (%s)\n", control.upgraded.load(),
                 options.connections, why.c_str());
    return 1;
  }

  control.phase.store(Phase::warmup, std::memory_order_release);
  sleep_seconds(options.warmup);

  // The window: CPU of both processes and wall time read together at each edge.
  const std::optional<double> server_before =
      options.server_pid ? process_cpu_seconds(*options.server_pid) : std::nullopt;
  const std::optional<double> host_before = host_busy_cpu_seconds();
  const double self_before = self_cpu_seconds();
  const double started = monotonic_seconds();
  control.phase.store(Phase::measure, std::memory_order_release);
  sleep_seconds(options.duration);
  const std::optional<double> server_after =
      options.server_pid ? process_cpu_seconds(*options.server_pid) : std::nullopt;
  const std::optional<double> host_after = host_busy_cpu_seconds();
  const double self_after = self_cpu_seconds();
  const double ended = monotonic_seconds();
  stop_and_join();

  EchoReport report;
  report.options = &options;
  report.window_seconds = ended - started;
  report.generator_cpu_seconds = self_after - self_before;
  if (host_before && host_after) report.host_cpu_seconds = *host_after - *host_before;
  if (server_before && server_after) report.server_cpu_seconds = *server_after - *server_before;
  for (auto& worker : workers) {
    const WorkerResult& r = worker->result();
    report.messages += r.messages;
    report.payload_bytes += r.payload_bytes;
    report.latency.merge(r.latency);
    report.errors += r.errors;
    if (report.first_error.empty()) report.first_error = r.first_error;
  }
  if (options.server_pid && !report.server_cpu_seconds) {
    std::fprintf(stderr, "wshub-bench: could not read /proc/%d/stat\n",
                 static_cast<int>(*options.server_pid));
  } else if (report.server_cpu_seconds && *report.server_cpu_seconds == 0 && report.messages > 0) {
    // A wrapper (a shell, or a launcher that forks instead of exec'ing) has the pid.
    std::fprintf(stderr,
                 "wshub-bench: pid %d used no CPU while %llu echoes came back: is it the server itself?\n",
                 static_cast<int>(*options.server_pid), static_cast<unsigned long long>(report.messages));
  }
  if (options.json) {
    print_json_line(report);
  } else {
    print_table(report);
  }
  return report.errors > 0 || report.messages == 0 ? 2 : 0;
}

}  // namespace wshub::bench
