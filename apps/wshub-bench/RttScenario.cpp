// The rtt scenario: publish -> ack and publish -> own delivery round trips through our own
// C++ client (wshub::client::Client, clients/cpp), the latency an application sees.
//
// N clients (--connections, default 1) on /websocket (wshub.json) each subscribe to their own
// channel bench:rtt:<i>, then keep one round trip going each (RttWorker.h): publish, wait for
// the `ack` and for the publication to come back on the subscription, publish again. What it
// measures is the request/ack path and the hub's publish-to-subscriber path for one message at
// a time, with everything the client library does on the way (JSON building, simdjson parsing,
// std::function callbacks, a fresh mask key per frame). It complements `fanout`, which measures
// the server's throughput with the generator's own allocation-free clients and never waits:
// rtt is the latency and the server CPU of one publication end to end, not a throughput ceiling.
// wshub only: the peers do not speak the wshub protocol.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "CpuClock.h"
#include "RttReport.h"
#include "RttWorker.h"
#include "Scenario.h"

namespace wshub::bench {

int run_rtt(const Options& options) {
  const std::string url =
      std::string(options.tls ? "wss://" : "ws://") + options.host + ":" + std::to_string(options.port) + options.path;
  const int threads = std::min(options.threads, options.connections);

  RttControl control;
  std::vector<std::unique_ptr<RttWorker>> workers;
  int next_id = 0;
  for (int t = 0; t < threads; ++t) {
    const int share = share_of(options.connections, threads, t);
    // The servers under test use self-signed certificates: no verification, as the other scenarios.
    workers.push_back(std::make_unique<RttWorker>(url, /*tls_verify_peer=*/false, control, next_id, share));
    next_id += share;
  }
  auto stop_all = [&] {
    control.phase.store(RttPhase::stop, std::memory_order_release);
    for (auto& worker : workers) worker->stop();
  };

  const double deadline = monotonic_seconds() + options.subscribe_timeout;
  while (control.subscribed.load() + control.failed.load() < options.connections &&
         monotonic_seconds() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int subscribed = control.subscribed.load();
  if (subscribed < options.connections) {
    stop_all();
    std::string why = "timed out";
    for (auto& worker : workers) {
      if (!worker->result().first_error.empty()) why = worker->result().first_error;
    }
    std::fprintf(stderr, "wshub-bench: %d of %d clients subscribed (%s)\n", subscribed, options.connections,
                 why.c_str());
    return 1;
  }

  control.phase.store(RttPhase::warmup, std::memory_order_release);
  for (auto& worker : workers) worker->start();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.warmup));

  const CpuReading before = read_cpu(options.server_pid, {});
  control.phase.store(RttPhase::measure, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(options.duration));
  control.phase.store(RttPhase::stop, std::memory_order_release);
  const CpuReading after = read_cpu(options.server_pid, {});
  stop_all();

  RttReport report;
  report.options = &options;
  report.subscribed = subscribed;
  report.threads = threads;
  report.cpu = cpu_between(before, after);
  RttResult& total = report.result;
  for (auto& worker : workers) {
    const RttResult& r = worker->result();
    total.round_trips += r.round_trips;
    total.ack.merge(r.ack);
    total.delivery.merge(r.delivery);
    total.publish_errors += r.publish_errors;
    total.missing += r.missing;
    total.disconnects += r.disconnects;
    total.subscribe_errors += r.subscribe_errors;
    if (total.first_error.empty()) total.first_error = r.first_error;
  }
  if (options.server_pid && !report.cpu.server_s)
    std::fprintf(stderr, "wshub-bench: could not read /proc/%d/stat\n", static_cast<int>(*options.server_pid));
  if (options.json) {
    print_rtt_json(report);
  } else {
    print_rtt_table(report);
  }
  return total.errors() > 0 || total.round_trips == 0 ? 2 : 0;
}

}  // namespace wshub::bench
