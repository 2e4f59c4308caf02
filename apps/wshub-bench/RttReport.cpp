#include "RttReport.h"

#include <cstdio>

#include "JsonLine.h"

namespace wshub::bench {
namespace {

double per_s(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

double us_per(double seconds, uint64_t count) {
  return count ? seconds * 1e6 / static_cast<double>(count) : 0;
}

void print_latency(const char* name, const LatencyHistogram& h) {
  if (h.count() == 0) {
    std::printf("  %-14s none in the window\n", name);
    return;
  }
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  std::printf("  %-14s p50 %.1f   p90 %.1f   p99 %.1f   p99.9 %.1f   max %.1f   (mean %.1f)\n", name,
              us(h.value_at_quantile(0.50)), us(h.value_at_quantile(0.90)), us(h.value_at_quantile(0.99)),
              us(h.value_at_quantile(0.999)), us(h.max()), h.mean() / 1e3);
}

}  // namespace

void print_rtt_table(const RttReport& r) {
  const Options& o = *r.options;
  const RttResult& x = r.result;
  const double window = r.cpu.window_s;
  std::printf(
      "rtt %s%s%s: %d client%s (wshub::client), each publishing to its own channel and waiting for the ack "
      "and the delivery; %d thread%s, %.1f s (+%.1f s warm-up)\n",
      o.url.c_str(), o.label.empty() ? "" : " ", o.label.c_str(), r.subscribed, r.subscribed == 1 ? "" : "s",
      r.threads, r.threads == 1 ? "" : "s", window, o.warmup);
  std::printf("  round trips    %10.0f /s   (%llu in the window)\n", per_s(x.round_trips, window),
              static_cast<unsigned long long>(x.round_trips));
  print_latency("ack (us)", x.ack);
  print_latency("delivery (us)", x.delivery);
  if (r.cpu.server_s) {
    std::printf("  server CPU     %6.2f cores   %8.2f us/round trip   (pid %d)\n",
                window > 0 ? *r.cpu.server_s / window : 0, us_per(*r.cpu.server_s, x.round_trips),
                static_cast<int>(*o.server_pid));
  } else {
    std::printf("  server CPU     not measured (give --server-pid)\n");
  }
  std::printf("  bench CPU      %6.2f cores   %8.2f us/round trip\n", window > 0 ? r.cpu.generator_s / window : 0,
              us_per(r.cpu.generator_s, x.round_trips));
  if (r.cpu.other_cores)
    std::printf("  other CPU      %6.2f cores   (everything else on this host during the window%s)\n",
                *r.cpu.other_cores, r.cpu.server_s ? "" : ", server included");
  if (x.errors() > 0)
    std::printf("  errors         %llu (publish %llu, missing deliveries %llu, disconnects %llu, subscribe %llu); "
                "first: %s\n",
                static_cast<unsigned long long>(x.errors()), static_cast<unsigned long long>(x.publish_errors),
                static_cast<unsigned long long>(x.missing), static_cast<unsigned long long>(x.disconnects),
                static_cast<unsigned long long>(x.subscribe_errors), x.first_error.c_str());
  std::fflush(stdout);
}

void print_rtt_json(const RttReport& r) {
  const Options& o = *r.options;
  const RttResult& x = r.result;
  JsonLine j;
  j.field("scenario", "rtt")
      .field("label", o.label)
      .field("url", o.url)
      .field("connections", o.connections)
      .field("subscribed", r.subscribed)
      .field("threads", r.threads)
      .field("warmup_s", o.warmup, 3)
      .field("window_s", r.cpu.window_s, 3)
      .field("round_trips", x.round_trips)
      .field("round_trips_per_s", per_s(x.round_trips, r.cpu.window_s), 1)
      .latency("ack_latency_us", x.ack)
      .latency("delivery_latency_us", x.delivery)
      .field("publish_errors", x.publish_errors)
      .field("missing_deliveries", x.missing)
      .field("disconnects", x.disconnects)
      .field("subscribe_errors", x.subscribe_errors)
      .field("errors", x.errors())
      .field("server_cpu_s", r.cpu.server_s, 3)
      .field("server_cpu_us_per_round_trip",
             r.cpu.server_s ? std::optional<double>(us_per(*r.cpu.server_s, x.round_trips)) : std::nullopt, 3)
      .field("bench_cpu_s", r.cpu.generator_s, 3)
      .field("bench_cpu_us_per_round_trip", us_per(r.cpu.generator_s, x.round_trips), 3)
      .field("other_cpu_cores", r.cpu.other_cores, 2)
      .field("first_error", x.first_error);
  std::fputs(j.finish().c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace wshub::bench
