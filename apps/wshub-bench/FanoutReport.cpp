#include "FanoutReport.h"

#include <cstdio>

#include "JsonLine.h"

namespace wshub::bench {
namespace {

double per_s(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

double us_per(std::optional<double> seconds, uint64_t count) {
  return seconds && count ? *seconds * 1e6 / static_cast<double>(count) : 0;
}

std::string rate_text(double rate) {
  if (rate == 0) return "max";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", rate);
  return buf;
}

}  // namespace

void print_fanout_header(const Options& o, int subscribers, int processes, int sources) {
  std::printf(
      "fanout %s%s%s: %d subscribers on %d channel%s, %zu-byte payloads, publisher over %s; %d thread%s x %d "
      "process%s, %d source address%s; %.1f s per rate (+%.1f s warm-up, up to %.1f s drain)\n",
      o.url.c_str(), o.label.empty() ? "" : " ", o.label.c_str(), subscribers, o.channels,
      o.channels == 1 ? "" : "s", o.size, o.publish_http ? "HTTP" : "WebSocket", o.threads,
      o.threads == 1 ? "" : "s", processes, processes == 1 ? "" : "es", sources, sources == 1 ? "" : "es",
      o.duration, o.warmup, o.drain);
  std::printf("%7s %8s %12s %8s %8s %8s %8s %8s %6s %6s %9s %11s %9s %11s %6s\n", "rate/s", "pubs/s",
              "deliveries/s", "p50 us", "p90 us", "p99 us", "max us", "lost", "dup", "drops", "srv cores",
              "srv us/dlv", "gen cores", "gen us/dlv", "other");
  std::fflush(stdout);
}

void print_fanout_row(const FanoutPoint& p) {
  const LatencyHistogram& h = p.sample.latency;
  const double window = p.cpu.window_s;
  const uint64_t d = p.sample.window_deliveries;
  // "-" when no publication of the window was delivered by the end of the drain.
  auto us = [&h](double q) -> std::string {
    if (h.count() == 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f",
                  static_cast<double>(q >= 1 ? h.max() : h.value_at_quantile(q)) / 1e3);
    return buf;
  };
  auto server = [&](bool per_delivery) -> std::string {
    if (!p.cpu.server_s) return "-";  // no --server-pid
    char buf[32];
    std::snprintf(buf, sizeof buf, per_delivery ? "%.3f" : "%.2f",
                  per_delivery ? us_per(p.cpu.server_s, d) : (window > 0 ? *p.cpu.server_s / window : 0));
    return buf;
  };
  std::printf("%7s %8.0f %12.0f %8s %8s %8s %8s %8llu %6llu %6llu %9s %11s %9.2f %11.3f %6.2f\n",
              rate_text(p.rate).c_str(), per_s(p.published, p.point_s), per_s(d, window), us(0.5).c_str(),
              us(0.9).c_str(), us(0.99).c_str(), us(1).c_str(), static_cast<unsigned long long>(p.lost),
              static_cast<unsigned long long>(p.sample.duplicates),
              static_cast<unsigned long long>(p.dropped), server(false).c_str(), server(true).c_str(),
              window > 0 ? p.cpu.generator_s / window : 0, us_per(p.cpu.generator_s, d),
              p.cpu.other_cores.value_or(0));
  if (p.late > 0)
    std::printf("        %llu deliveries arrived after the drain (waited %.1f s for them)\n",
                static_cast<unsigned long long>(p.late), p.settle_s);
  if (p.unanswered > 0)
    std::printf("        %llu publications had no reply by the end of the drain (not expected yet)\n",
                static_cast<unsigned long long>(p.unanswered));
  if (p.http_non_2xx + p.http_given_up + p.http_reconnects > 0)
    std::printf("        HTTP: %llu non-2xx (first %d), %llu given up, %llu reconnects (%llu errors), %llu resent\n",
                static_cast<unsigned long long>(p.http_non_2xx), p.http_first_bad_status,
                static_cast<unsigned long long>(p.http_given_up), static_cast<unsigned long long>(p.http_reconnects),
                static_cast<unsigned long long>(p.http_connection_errors),
                static_cast<unsigned long long>(p.http_resent));
  if (!p.first_error.empty()) std::printf("        first problem: %s\n", p.first_error.c_str());
  std::fflush(stdout);
}

void print_fanout_json(const Options& o, const FanoutPoint& p, int processes) {
  const uint64_t d = p.sample.window_deliveries;
  JsonLine j;
  j.field("scenario", "fanout")
      .field("label", o.label)
      .field("url", o.url)
      .field("publish", o.publish_http ? "http" : "ws")
      .field("http_pipeline", o.publish_http ? o.http_pipeline : 0)
      .field("http_connections", o.publish_http ? o.http_connections : 0)
      .field("subscribers", p.subscribers)
      .field("channels", o.channels)
      .field("size", static_cast<uint64_t>(o.size))
      .field("threads", o.threads)
      .field("processes", processes)
      .field("rate", p.rate, 1)
      .field("warmup_s", o.warmup, 3)
      .field("window_s", p.cpu.window_s, 3)
      .field("published", p.published)
      .field("pubs_per_s", per_s(p.published, p.point_s), 1)
      .field("acks", p.acks)
      .field("publish_errors", p.publish_errors)
      .field("publisher_max_lag_us", static_cast<double>(p.max_lag_ns) / 1e3, 1)
      .field("http_non_2xx", p.http_non_2xx)
      .field("http_first_bad_status", static_cast<uint64_t>(p.http_first_bad_status))
      .field("http_given_up", p.http_given_up)
      .field("http_reconnects", p.http_reconnects)
      .field("http_connection_errors", p.http_connection_errors)
      .field("http_resent", p.http_resent)
      .field("deliveries", d)
      .field("deliveries_per_s", per_s(d, p.cpu.window_s), 0)
      .field("mb_per_s", per_s(p.sample.window_bytes, p.cpu.window_s) / 1e6, 3)
      .latency("latency_us", p.sample.latency)
      .field("latency_samples", p.sample.latency.count())
      .field("expected", p.expected)
      .field("unanswered", p.unanswered)
      .field("received", p.sample.unique)
      .field("lost", p.lost)
      .field("duplicates", p.sample.duplicates)
      .field("reordered", p.sample.reordered)
      .field("misrouted", p.sample.misrouted)
      .field("subscriber_errors", p.sample.errors)
      .field("subscribers_dropped", p.dropped)
      .field("drain_s", p.drain_s, 3)
      .field("late", p.late)
      .field("settle_s", p.settle_s, 3)
      .field("server_cpu_s", p.cpu.server_s, 3)
      .field("server_cpu_us_per_delivery",
             p.cpu.server_s ? std::optional<double>(us_per(p.cpu.server_s, d)) : std::nullopt, 4)
      .field("bench_cpu_s", p.cpu.generator_s, 3)
      .field("bench_cpu_us_per_delivery", us_per(p.cpu.generator_s, d), 4)
      .field("other_cpu_cores", p.cpu.other_cores, 2)
      .field("first_error", p.first_error);
  std::fputs(j.finish().c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace wshub::bench
