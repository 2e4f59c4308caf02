// The idle scenario: what an open, silent connection costs the server in memory.
//
// Before connecting, the server's VmRSS and the kernel's counters are read; then the
// connections are opened (spread over source addresses 127.0.0.1..N, so no address runs
// out of ephemeral ports, and over processes, so none passes the open-files limit) and
// held; once all are open the server's RSS is polled every 250 ms until it has stayed
// within 0.5 % (and 64 KiB) for a second, or --settle-timeout passed, and everything is
// read again. Per connection: the server's RSS growth (its user-space share: buffers,
// connection objects, allocator overhead), and separately the kernel's: slab growth and
// TCP buffer pages, which on loopback cover both ends of each connection. Then all are
// closed cleanly and the closes counted.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "CpuClock.h"
#include "HoldShare.h"
#include "JsonLine.h"
#include "MemoryProbe.h"
#include "Scenario.h"

namespace wshub::bench {
namespace {

constexpr double kSettlePollSeconds = 0.25;
constexpr int kSettleStableReadings = 4;  // a second of readings within tolerance
constexpr double kCloseTimeoutSeconds = 15;

// Waits for the server's RSS to stop moving; returns the last reading.
std::optional<uint64_t> settled_rss(pid_t pid, double timeout_seconds, double& waited) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<uint64_t> last = process_rss_kib(pid);
  int stable = 0;
  for (;;) {
    waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!last || stable >= kSettleStableReadings || waited >= timeout_seconds) return last;
    std::this_thread::sleep_for(std::chrono::duration<double>(kSettlePollSeconds));
    const std::optional<uint64_t> now = process_rss_kib(pid);
    if (!now) return now;
    const uint64_t delta = *now > *last ? *now - *last : *last - *now;
    const double tolerance = std::max(64.0, static_cast<double>(*last) * 0.005);
    stable = static_cast<double>(delta) <= tolerance ? stable + 1 : 0;
    last = now;
  }
}

double per_connection(int64_t kib, int connections) {
  return connections > 0 ? static_cast<double>(kib) * 1024.0 / connections : 0;
}

}  // namespace

int run_idle(const Options& options) {
  DialTarget target;
  if (std::string why = make_dial_target(options, target); !why.empty()) {
    std::fprintf(stderr, "wshub-bench: %s\n", why.c_str());
    return 1;
  }
  target.open_message = options.open_message;
  const int processes = processes_for(options, options.connections);
  target.sources = sources_for(options, options.connections);

  // Warm-up: a first connection makes a server fault in code pages (handshake, hashing,
  // logging) and fill start-up pools; that is a fixed cost, not a per-connection one, so
  // with --warmup-connections it happens before the baseline reading.
  int warmup_open = 0;
  if (options.warmup_connections > 0) {
    HoldPlan plan;
    plan.target = target;
    plan.target.sources = 1;
    plan.count = options.warmup_connections;
    plan.threads = 1;
    plan.concurrency = options.concurrency;
    auto warmup = local_share(std::make_unique<HoldShare>(plan));
    warmup->call("open");
    const std::string reply = warmup->call("ready 30");
    warmup_open = std::atoi(reply.c_str());
    warmup->call("close " + std::to_string(kCloseTimeoutSeconds));
    warmup.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the server free them
  }

  std::vector<std::unique_ptr<ShareClient>> shares;
  std::vector<ShareClient*> forked;
  int first = 0;
  for (int p = 0; p < processes; ++p) {
    HoldPlan plan;
    plan.target = target;
    plan.first = first;
    plan.count = share_of(options.connections, processes, p);
    plan.threads = options.threads;
    plan.concurrency = options.concurrency;
    first += plan.count;
    if (processes == 1) {
      shares.push_back(local_share(std::make_unique<HoldShare>(plan)));
    } else {
      shares.push_back(fork_share([plan] { return std::make_unique<HoldShare>(plan); }));
      if (!shares.back()) {
        std::fprintf(stderr, "wshub-bench: fork failed\n");
        return 1;
      }
      forked.push_back(shares.back().get());
    }
  }

  std::optional<uint64_t> rss_before, anon_before;
  if (options.server_pid) rss_before = process_rss_kib(*options.server_pid);
  if (options.server_pid) anon_before = process_rss_anon_kib(*options.server_pid);
  const KernelMemory kernel_before = read_kernel_memory();
  const CpuReading cpu_before = read_cpu(options.server_pid, forked);

  for (auto& share : shares) share->call("open");
  int open = 0, failed = 0;
  std::string first_error;
  const double ready_timeout = 30 + options.connections / 1000.0;
  for (auto& share : shares) {
    const std::string reply = share->call("ready " + std::to_string(ready_timeout));
    std::istringstream in(reply.substr(0, reply.find('|')));
    int o = 0, f = 0;
    in >> o >> f;
    open += o;
    failed += f;
    const size_t bar = reply.find('|');
    if (first_error.empty() && bar != std::string::npos) first_error = reply.substr(bar + 1);
  }
  const CpuReading cpu_open = read_cpu(options.server_pid, forked);
  const CpuUse opening = cpu_between(cpu_before, cpu_open);

  double settle_s = 0;
  std::optional<uint64_t> rss_after;
  std::optional<uint64_t> anon_after;
  if (options.server_pid) rss_after = settled_rss(*options.server_pid, options.settle_timeout, settle_s);
  if (options.server_pid) anon_after = process_rss_anon_kib(*options.server_pid);
  const KernelMemory kernel_after = read_kernel_memory();
  uint64_t generator_rss_kib = process_rss_kib(getpid()).value_or(0);
  for (ShareClient* share : forked)
    generator_rss_kib += std::strtoull(share->call("rss").c_str(), nullptr, 10);
  if (options.hold > 0) std::this_thread::sleep_for(std::chrono::duration<double>(options.hold));

  int still_open = 0, dropped = 0;
  for (auto& share : shares) {
    std::istringstream in(share->call("status"));
    int o = 0, d = 0;
    in >> o >> d;
    still_open += o;
    dropped += d;
  }
  const double close_started = monotonic_seconds();
  int clean = 0;
  for (auto& share : shares) {
    const std::string reply = share->call("close " + std::to_string(kCloseTimeoutSeconds));
    clean += std::atoi(reply.c_str());
    const size_t bar = reply.find('|');
    if (first_error.empty() && bar != std::string::npos) first_error = reply.substr(bar + 1);
  }
  const double close_s = monotonic_seconds() - close_started;
  std::optional<uint64_t> rss_closed;
  if (options.server_pid) rss_closed = process_rss_kib(*options.server_pid);

  std::optional<double> server_bytes, server_anon_bytes;
  if (anon_before && anon_after)
    server_anon_bytes =
        per_connection(static_cast<int64_t>(*anon_after) - static_cast<int64_t>(*anon_before), open);
  if (rss_before && rss_after)
    server_bytes = per_connection(static_cast<int64_t>(*rss_after) - static_cast<int64_t>(*rss_before), open);
  const double slab_bytes = per_connection(
      static_cast<int64_t>(kernel_after.slab_kib) - static_cast<int64_t>(kernel_before.slab_kib), open);
  const double tcp_buffer_bytes = per_connection(
      (static_cast<int64_t>(kernel_after.tcp_mem_pages) - static_cast<int64_t>(kernel_before.tcp_mem_pages)) *
          (sysconf(_SC_PAGESIZE) / 1024),
      open);
  const double available_bytes = per_connection(static_cast<int64_t>(kernel_before.mem_available_kib) -
                                                    static_cast<int64_t>(kernel_after.mem_available_kib),
                                                open);
  const int64_t sockets_delta =
      static_cast<int64_t>(kernel_after.sockets_used) - static_cast<int64_t>(kernel_before.sockets_used);
  auto opt = [](std::optional<uint64_t> v) -> std::optional<double> {
    if (!v) return std::nullopt;
    return static_cast<double>(*v);
  };

  if (options.json) {
    JsonLine j;
    j.field("scenario", "idle")
        .field("label", options.label)
        .field("url", options.url)
        .field("tls", options.tls)
        .field("connections", options.connections)
        .field("open", open)
        .field("failed", failed)
        .field("dropped", dropped)
        .field("processes", processes)
        .field("sources", target.sources)
        .field("threads", options.threads)
        .field("open_s", opening.window_s, 3)
        .field("connects_per_s", opening.window_s > 0 ? open / opening.window_s : 0, 1)
        .field("settle_s", settle_s, 2)
        .field("server_rss_before_kib", opt(rss_before), 0)
        .field("server_rss_after_kib", opt(rss_after), 0)
        .field("server_rss_closed_kib", opt(rss_closed), 0)
        .field("server_bytes_per_connection", server_bytes, 0)
        .field("server_rss_anon_before_kib", opt(anon_before), 0)
        .field("server_rss_anon_after_kib", opt(anon_after), 0)
        .field("server_anon_bytes_per_connection", server_anon_bytes, 0)
        .field("warmup_connections", options.warmup_connections)
        .field("warmup_open", warmup_open)
        .field("open_message", options.open_message)
        .field("kernel_slab_bytes_per_connection", slab_bytes, 0)
        .field("kernel_tcp_buffer_bytes_per_connection", tcp_buffer_bytes, 0)
        .field("host_available_bytes_per_connection", available_bytes, 0)
        .field("sockets_delta", sockets_delta)
        .field("generator_rss_kib", generator_rss_kib)
        .field("server_cpu_open_s", opening.server_s, 3)
        .field("bench_cpu_open_s", opening.generator_s, 3)
        .field("other_cpu_cores", opening.other_cores, 2)
        .field("clean_closes", clean)
        .field("close_s", close_s, 3)
        .field("errors", failed + dropped + (still_open - clean > 0 ? still_open - clean : 0))
        .field("first_error", first_error);
    std::fputs(j.finish().c_str(), stdout);
  } else {
    std::printf("idle %s%s%s: %d connections, %d process%s x %d thread%s, %d source address%s\n",
                options.url.c_str(), options.label.empty() ? "" : " ", options.label.c_str(),
                options.connections, processes, processes == 1 ? "" : "es", options.threads,
                options.threads == 1 ? "" : "s", target.sources, target.sources == 1 ? "" : "es");
    std::printf("  opened        %d in %.2f s (%d failed); held %d, dropped %d\n", open, opening.window_s,
                failed, still_open, dropped);
    if (server_bytes) {
      std::printf("  server RSS    %llu -> %llu KiB (settled after %.1f s): %.0f bytes per connection\n",
                  static_cast<unsigned long long>(*rss_before), static_cast<unsigned long long>(*rss_after),
                  settle_s, *server_bytes);
      if (server_anon_bytes)
        std::printf("  of which anon %llu -> %llu KiB: %.0f bytes per connection (RssAnon: heap, no code pages)\n",
                    static_cast<unsigned long long>(*anon_before), static_cast<unsigned long long>(*anon_after),
                    *server_anon_bytes);
      if (options.warmup_connections > 0)
        std::printf("  warm-up       %d of %d connections opened and closed before the baseline\n", warmup_open,
                    options.warmup_connections);
    } else {
      std::printf("  server RSS    not measured (give --server-pid)\n");
    }
    std::printf(
        "  kernel        slab %.0f B/conn, TCP buffers %.0f B/conn, sockets +%lld (both ends, host-wide)\n",
        slab_bytes, tcp_buffer_bytes, static_cast<long long>(sockets_delta));
    std::printf(
        "  host          MemAvailable down %.0f B/conn (everything, generator included: %llu KiB RSS)\n",
        available_bytes, static_cast<unsigned long long>(generator_rss_kib));
    std::printf("  closed        %d cleanly in %.2f s%s\n", clean, close_s,
                rss_closed ? (", server RSS then " + std::to_string(*rss_closed) + " KiB").c_str() : "");
    if (!first_error.empty()) std::printf("  first problem %s\n", first_error.c_str());
  }
  std::fflush(stdout);
  if (open == 0) return 1;
  return failed + dropped > 0 ? 2 : 0;
}

}  // namespace wshub::bench
