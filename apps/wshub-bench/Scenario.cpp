#include "Scenario.h"

#include <netdb.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "CpuClock.h"

namespace wshub::bench {

bool resolve(const std::string& host, uint16_t port, sockaddr_in& address) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return false;
  std::memcpy(&address, found->ai_addr, sizeof(sockaddr_in));
  address.sin_port = htons(port);
  freeaddrinfo(found);
  return true;
}

std::string make_dial_target(const Options& options, DialTarget& target) {
  if (!resolve(options.host, options.port, target.address)) return "cannot resolve " + options.host;
  target.host_header = options.host + ":" + std::to_string(options.port);
  target.path = options.path;
  target.headers = options.headers;
  if (options.tls) {
    target.tls = make_client_tls_context();
    if (!target.tls) return "cannot create a TLS context";
  }
  return {};
}

int processes_for(const Options& options, int connections) {
  if (options.processes > 0) return options.processes;
  const int per_process = max_connections_per_process();
  return std::max(1, (connections + per_process - 1) / per_process);
}

int sources_for(const Options& options, int connections) {
  if (options.sources > 0) return options.sources;
  // Linux's connect() tries even ephemeral ports first (the odd ones are left to bind()):
  // ~14,000 of the default 28,232. Past them, every connect() from the same source address
  // scans them all before an odd port, and opening 19,000 connections takes 40 s instead of
  // 2. One source address per 8,000 connections stays clear of that.
  return std::max(1, (connections + 7'999) / 8'000);
}

int share_of(int total, int n, int i) {
  return total / n + (i < total % n ? 1 : 0);
}

void sleep_until_ns(uint64_t instant_ns) {
  const uint64_t now = monotonic_ns();
  if (instant_ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(instant_ns - now));
}

CpuReading read_cpu(std::optional<pid_t> server_pid, const std::vector<ShareClient*>& forked) {
  CpuReading r;
  if (server_pid) r.server = process_cpu_seconds(*server_pid);
  r.host = host_busy_cpu_seconds();
  r.generator = self_cpu_seconds();
  for (ShareClient* share : forked) r.generator += std::atof(share->call("cpu").c_str());
  r.wall = monotonic_seconds();
  return r;
}

CpuUse cpu_between(const CpuReading& a, const CpuReading& b) {
  CpuUse use;
  use.window_s = b.wall - a.wall;
  if (a.server && b.server) use.server_s = *b.server - *a.server;
  use.generator_s = b.generator - a.generator;
  if (a.host && b.host && use.window_s > 0) {
    const double other = (*b.host - *a.host) - use.generator_s - use.server_s.value_or(0);
    use.other_cores = std::max(0.0, other) / use.window_s;
  }
  return use;
}

}  // namespace wshub::bench
