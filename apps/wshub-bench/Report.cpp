#include "Report.h"

#include <cstdio>

#include "JsonLine.h"

namespace wshub::bench {
namespace {

struct Derived {
  double msgs_per_s, mb_per_s, generator_cores, generator_us_per_msg;
  double server_cores = 0, server_us_per_msg = 0;
  double other_cores = -1;  // CPU used by neither side; -1 when unknown
};

Derived derive(const EchoReport& r) {
  const double seconds = r.window_seconds > 0 ? r.window_seconds : 1;
  const double messages = r.messages > 0 ? static_cast<double>(r.messages) : 1;
  Derived d{};
  d.msgs_per_s = static_cast<double>(r.messages) / seconds;
  d.mb_per_s = static_cast<double>(r.payload_bytes) / seconds / 1e6;
  d.generator_cores = r.generator_cpu_seconds / seconds;
  d.generator_us_per_msg = r.generator_cpu_seconds * 1e6 / messages;
  if (r.server_cpu_seconds) {
    d.server_cores = *r.server_cpu_seconds / seconds;
    d.server_us_per_msg = *r.server_cpu_seconds * 1e6 / messages;
  }
  if (r.host_cpu_seconds) {
    const double other = *r.host_cpu_seconds - r.generator_cpu_seconds - r.server_cpu_seconds.value_or(0);
    d.other_cores = other > 0 ? other / seconds : 0;
  }
  return d;
}

double us(uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}


}  // namespace

void print_table(const EchoReport& r) {
  const Options& o = *r.options;
  const Derived d = derive(r);
  const LatencyHistogram& h = r.latency;
  std::printf(
      "echo %s%s%s: %d connections x %d in flight, %zu-byte %s messages, %d thread%s, %.1f s (+%.1f s "
      "warm-up)\n",
      o.url.c_str(), o.label.empty() ? "" : " ", o.label.c_str(), o.connections, o.pipeline, o.size,
      o.binary ? "binary" : "text", o.threads, o.threads == 1 ? "" : "s", r.window_seconds, o.warmup);
  std::printf("  throughput    %12.0f msg/s   %8.2f MB/s payload received\n", d.msgs_per_s, d.mb_per_s);
  std::printf("  latency (us)  p50 %.1f   p90 %.1f   p99 %.1f   p99.9 %.1f   max %.1f   (mean %.1f)\n",
              us(h.value_at_quantile(0.50)), us(h.value_at_quantile(0.90)), us(h.value_at_quantile(0.99)),
              us(h.value_at_quantile(0.999)), us(h.max()), h.mean() / 1e3);
  if (r.server_cpu_seconds) {
    std::printf("  server CPU    %6.2f cores      %8.3f us/msg   (pid %d)\n", d.server_cores,
                d.server_us_per_msg, static_cast<int>(*o.server_pid));
  } else {
    std::printf("  server CPU    not measured (give --server-pid)\n");
  }
  std::printf("  bench CPU     %6.2f cores      %8.3f us/msg\n", d.generator_cores, d.generator_us_per_msg);
  if (d.other_cores >= 0) {
    std::printf("  other CPU     %6.2f cores      (everything else on this host during the window%s)\n",
                d.other_cores, r.server_cpu_seconds ? "" : ", server included");
  }
  if (r.errors > 0)
    std::printf("  errors        %d connections lost; first: %s\n", r.errors, r.first_error.c_str());
  std::fflush(stdout);
}

void print_json_line(const EchoReport& r) {
  const Options& o = *r.options;
  const Derived d = derive(r);
  const LatencyHistogram& h = r.latency;
  std::string server = "null", server_us = "null";
  if (r.server_cpu_seconds) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", *r.server_cpu_seconds);
    server = buf;
    std::snprintf(buf, sizeof buf, "%.4f", d.server_us_per_msg);
    server_us = buf;
  }
  std::string other = "null";
  if (d.other_cores >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", d.other_cores);
    other = buf;
  }
  std::printf(
      "{\"scenario\":\"echo\",\"label\":%s,\"url\":%s,\"connections\":%d,\"pipeline\":%d,\"size\":%zu,"
      "\"binary\":%s,\"threads\":%d,\"warmup_s\":%.3f,\"window_s\":%.3f,\"messages\":%llu,\"msgs_per_s\":%."
      "0f,"
      "\"mb_per_s\":%.3f,\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f,"
      "\"mean\":%.1f},\"server_cpu_s\":%s,\"server_cpu_us_per_msg\":%s,\"bench_cpu_s\":%.3f,"
      "\"bench_cpu_us_per_msg\":%.4f,\"other_cpu_cores\":%s,\"errors\":%d,\"first_error\":%s}\n",
      JsonLine::quote(o.label).c_str(), JsonLine::quote(o.url).c_str(), o.connections, o.pipeline, o.size,
      o.binary ? "true" : "false", o.threads, o.warmup, r.window_seconds,
      static_cast<unsigned long long>(r.messages), d.msgs_per_s, d.mb_per_s, us(h.value_at_quantile(0.50)),
      us(h.value_at_quantile(0.90)), us(h.value_at_quantile(0.99)), us(h.value_at_quantile(0.999)),
      us(h.max()), h.mean() / 1e3, server.c_str(), server_us.c_str(), r.generator_cpu_seconds,
      d.generator_us_per_msg, other.c_str(), r.errors, JsonLine::quote(r.first_error).c_str());
  std::fflush(stdout);
}

}  // namespace wshub::bench
