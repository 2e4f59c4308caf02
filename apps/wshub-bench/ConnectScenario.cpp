// The connect scenario: a connection storm. `--connections` connections in all, at most
// `--concurrency` between socket() and the end of their close at once, spread over the
// threads; handshakes per second over the whole storm, the handshake latency, failures,
// and what the server and the generator spent per handshake. With --tls every connection
// does a full TLS handshake (no session resumption: the client keeps no session cache),
// and --header / --query carry credentials (a JWT) so authenticated connects can be
// measured the same way.
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "ConnectWorker.h"
#include "JsonLine.h"
#include "Scenario.h"

namespace wshub::bench {
namespace {

constexpr double kConnectionTimeoutSeconds = 10;

}  // namespace

int run_connect(const Options& options) {
  DialTarget target;
  if (std::string why = make_dial_target(options, target); !why.empty()) {
    std::fprintf(stderr, "wshub-bench: %s\n", why.c_str());
    return 1;
  }
  target.sources = sources_for(options, options.connections);
  const int threads = std::max(1, std::min(options.threads, options.concurrency));
  if (options.concurrency + 64 > max_connections_per_process()) {
    std::fprintf(stderr, "wshub-bench: --concurrency %d is over the open-files limit\n", options.concurrency);
    return 64;
  }
  std::vector<std::unique_ptr<ConnectWorker>> workers;
  int first = 0;
  for (int t = 0; t < threads; ++t) {
    const int total = share_of(options.connections, threads, t);
    workers.push_back(std::make_unique<ConnectWorker>(target, share_of(options.concurrency, threads, t),
                                                      first, total, kConnectionTimeoutSeconds));
    first += total;
  }
  const CpuReading before = read_cpu(options.server_pid, {});
  std::vector<std::thread> running;
  for (auto& worker : workers) running.emplace_back([w = worker.get()] { w->run(); });
  for (auto& thread : running) thread.join();
  const CpuReading after = read_cpu(options.server_pid, {});
  const CpuUse cpu = cpu_between(before, after);

  ConnectResult total;
  for (auto& worker : workers) {
    const ConnectResult& r = worker->result();
    total.upgraded += r.upgraded;
    total.failed += r.failed;
    total.closed_clean += r.closed_clean;
    total.close_problems += r.close_problems;
    total.latency.merge(r.latency);
    if (total.first_error.empty()) total.first_error = r.first_error;
  }
  const double per_s = cpu.window_s > 0 ? static_cast<double>(total.upgraded) / cpu.window_s : 0;
  auto us_per = [&](std::optional<double> s) -> std::optional<double> {
    if (!s || total.upgraded == 0) return std::nullopt;
    return *s * 1e6 / static_cast<double>(total.upgraded);
  };
  const LatencyHistogram& h = total.latency;
  if (options.json) {
    JsonLine j;
    j.field("scenario", "connect")
        .field("label", options.label)
        .field("url", options.url)
        .field("tls", options.tls)
        .field("auth_headers", static_cast<int>(options.headers.size()))
        .field("connections", options.connections)
        .field("concurrency", options.concurrency)
        .field("threads", threads)
        .field("sources", target.sources)
        .field("window_s", cpu.window_s, 3)
        .field("upgraded", total.upgraded)
        .field("failed", total.failed)
        .field("closed_clean", total.closed_clean)
        .field("close_problems", total.close_problems)
        .field("handshakes_per_s", per_s, 1)
        .latency("latency_us", h)
        .field("server_cpu_s", cpu.server_s, 3)
        .field("server_cpu_us_per_handshake", us_per(cpu.server_s), 2)
        .field("bench_cpu_s", cpu.generator_s, 3)
        .field("bench_cpu_us_per_handshake", us_per(cpu.generator_s), 2)
        .field("other_cpu_cores", cpu.other_cores, 2)
        .field("errors", total.failed + total.close_problems)
        .field("first_error", total.first_error);
    std::fputs(j.finish().c_str(), stdout);
  } else {
    auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
    std::printf("connect %s%s%s: %d connections, %d at a time, %s, %d thread%s, %d source address%s\n",
                options.url.c_str(), options.label.empty() ? "" : " ", options.label.c_str(),
                options.connections, options.concurrency, options.tls ? "TLS" : "plain TCP", threads,
                threads == 1 ? "" : "s", target.sources, target.sources == 1 ? "" : "es");
    std::printf("  handshakes    %llu in %.2f s: %.0f /s; failed %llu; closed cleanly %llu\n",
                static_cast<unsigned long long>(total.upgraded), cpu.window_s, per_s,
                static_cast<unsigned long long>(total.failed),
                static_cast<unsigned long long>(total.closed_clean));
    std::printf("  latency (us)  p50 %.1f   p90 %.1f   p99 %.1f   p99.9 %.1f   max %.1f   (mean %.1f)\n",
                us(h.value_at_quantile(0.5)), us(h.value_at_quantile(0.9)), us(h.value_at_quantile(0.99)),
                us(h.value_at_quantile(0.999)), us(h.max()), h.mean() / 1e3);
    if (cpu.server_s) {
      std::printf("  server CPU    %6.2f cores   %8.1f us/handshake\n", *cpu.server_s / cpu.window_s,
                  *us_per(cpu.server_s));
    }
    std::printf("  bench CPU     %6.2f cores   %8.1f us/handshake\n", cpu.generator_s / cpu.window_s,
                us_per(cpu.generator_s).value_or(0));
    if (cpu.other_cores) std::printf("  other CPU     %6.2f cores\n", *cpu.other_cores);
    if (!total.first_error.empty()) std::printf("  first problem %s\n", total.first_error.c_str());
  }
  std::fflush(stdout);
  if (total.upgraded == 0) return 1;
  return total.failed + total.close_problems > 0 ? 2 : 0;
}

}  // namespace wshub::bench
