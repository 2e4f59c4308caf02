// The fanout scenario: C subscribers on K channels, one publisher, a sweep of rates.
//
// Order of a run: the subscriber shares are created first (forked when the connection
// count needs more than one process: before any thread exists), then they connect and
// subscribe; once every subscriber has its `subscribed` (or failed) the publisher connects
// and publishing starts. Each rate point then runs
//   [start, start + warmup)   publishing, not measured
//   [window start, end)       publishing, measured: deliveries received in it, latency of
//                             publications stamped in it, server and generator CPU
//   [end, end + drain)        no publishing; the last deliveries arrive (it ends early once
//                             every expected delivery did); `lost` is counted here
//   then, if some were lost   wait until deliveries stop arriving (up to 15 s) and report
//                             them as `late`: an overloaded rate's backlog must not be
//                             counted as the next rate's deliveries
// and is one result. Expected deliveries = per channel, publications the server took x
// subscribers subscribed on it at the start (over WebSocket: sent - refused; over HTTP: those
// answered 2xx); lost = expected - distinct deliveries received, so a subscriber the server
// dropped loses what it missed. Each subscriber counts its own duplicates and reorderings from
// the per-channel sequence numbers the publisher puts in the payload (SequenceTracker).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "FanoutReport.h"
#include "Publisher.h"
#include "Scenario.h"
#include "SubscriberShare.h"

namespace wshub::bench {
namespace {

constexpr double kPublisherConnectSeconds = 10;
constexpr uint64_t kPointLeadNs = 50'000'000;  // from arming a point to its first publication
constexpr double kSettleMaxSeconds = 15;
constexpr int kSettleQuietPolls = 3;  // x 100 ms without a new delivery

struct Ready {
  int subscribed = 0;
  int failed = 0;
  std::vector<uint64_t> per_channel;
  std::string first_error;
};

bool parse_ready(const std::string& reply, Ready& ready) {
  const size_t bar = reply.find('|');
  if (reply.rfind("error", 0) == 0 || bar == std::string::npos) {
    if (ready.first_error.empty()) ready.first_error = reply;
    return false;
  }
  std::istringstream in(reply.substr(0, bar));
  int subscribed = 0, failed = 0;
  std::string channels;
  in >> subscribed >> failed >> channels;
  ready.subscribed += subscribed;
  ready.failed += failed;
  std::istringstream list(channels);
  std::string item;
  for (size_t k = 0; std::getline(list, item, ','); ++k)
    ready.per_channel[k] += std::strtoull(item.c_str(), nullptr, 10);
  if (ready.first_error.empty()) ready.first_error = reply.substr(bar + 1);
  return true;
}

uint64_t total_progress(const std::vector<std::unique_ptr<ShareClient>>& shares, uint64_t& dropped) {
  uint64_t unique = 0;
  dropped = 0;
  for (auto& share : shares) {
    std::istringstream in(share->call("progress"));
    uint64_t u = 0, d = 0;
    in >> u >> d;
    unique += u;
    dropped += d;
  }
  return unique;
}

// Over WebSocket a publication is expected unless the server refused it (acks are not
// waited for); over HTTP only once it was accepted (2xx): one still queued or unanswered at
// the end of the drain is the publisher's backlog, reported as `unanswered`, not a loss.
uint64_t expected_deliveries(const PublisherCounts& before, const PublisherCounts& after,
                             const Ready& ready, bool http) {
  uint64_t expected = 0;
  for (size_t k = 0; k < ready.per_channel.size(); ++k) {
    uint64_t accepted = 0;
    if (http) {
      accepted = after.acks_per_channel[k] - before.acks_per_channel[k];
    } else {
      const uint64_t sent = after.sent_per_channel[k] - before.sent_per_channel[k];
      const uint64_t refused = after.errors_per_channel[k] - before.errors_per_channel[k];
      accepted = sent > refused ? sent - refused : 0;
    }
    expected += accepted * ready.per_channel[k];
  }
  return expected;
}

bool replies_in(const PublisherCounts& c) {
  return c.acks + c.errors >= c.sent;
}

}  // namespace

int run_fanout(const Options& options) {
  DialTarget target;
  if (std::string why = make_dial_target(options, target); !why.empty()) {
    std::fprintf(stderr, "wshub-bench: %s\n", why.c_str());
    return 1;
  }
  const int processes = processes_for(options, options.connections);
  target.sources = sources_for(options, options.connections);
  target.max_message_size = std::max<size_t>(1 << 20, options.size * 2 + 4096);

  PublisherPlan publisher_plan;
  publisher_plan.target = target;
  publisher_plan.target.sources = 1;
  publisher_plan.channels = options.channels;
  publisher_plan.payload_size = options.size;
  if (options.publish_http) {
    Url api;
    parse_url(options.api_url.empty() ? "http://" + options.host + ":" + std::to_string(options.port)
                                      : options.api_url,
              api);
    if (!resolve(api.host, api.port, publisher_plan.api_address)) {
      std::fprintf(stderr, "wshub-bench: cannot resolve %s\n", api.host.c_str());
      return 1;
    }
    publisher_plan.http = true;
    publisher_plan.api_host = api.host_header();
    if (api.path != "/") publisher_plan.api_path = api.path;
    publisher_plan.api_key = options.api_key;
    publisher_plan.http_window = options.http_pipeline;
    publisher_plan.http_connections = options.http_connections;
    publisher_plan.idempotency_keys = options.idempotency_keys;
  }

  // Shares first: fork() before this process has any thread.
  std::vector<std::unique_ptr<ShareClient>> shares;
  std::vector<ShareClient*> forked;
  int first = 0;
  for (int p = 0; p < processes; ++p) {
    SubscriberPlan plan;
    plan.target = target;
    plan.channels = options.channels;
    plan.first = first;
    plan.count = share_of(options.connections, processes, p);
    plan.threads = options.threads;
    plan.concurrency = options.concurrency;
    first += plan.count;
    if (processes == 1) {
      shares.push_back(local_share(std::make_unique<SubscriberShare>(plan)));
    } else {
      shares.push_back(fork_share([plan] { return std::make_unique<SubscriberShare>(plan); }));
      if (!shares.back()) {
        std::fprintf(stderr, "wshub-bench: fork failed\n");
        return 1;
      }
      forked.push_back(shares.back().get());
    }
  }
  for (auto& share : shares) share->call("open");

  Ready ready;
  ready.per_channel.assign(static_cast<size_t>(options.channels), 0);
  for (auto& share : shares)
    parse_ready(share->call("ready " + std::to_string(options.subscribe_timeout)), ready);
  // The publisher connects once the subscribers are in: 10,000 subscriptions can take longer
  // than a server lets a connection wait for its first request (wshub: 10 s), and its close
  // would race the first publications.
  Publisher publisher(publisher_plan);
  const std::string publisher_problem = publisher.connect(kPublisherConnectSeconds);
  if (!publisher_problem.empty()) {
    std::fprintf(stderr, "wshub-bench: %s\n", publisher_problem.c_str());
    return 1;
  }
  if (ready.subscribed == 0) {
    std::fprintf(stderr, "wshub-bench: 0 of %d subscribers subscribed (%s)\n", options.connections,
                 ready.first_error.empty() ? "no reason given" : ready.first_error.c_str());
    return 1;
  }
  if (ready.failed > 0) {
    std::fprintf(stderr, "wshub-bench: %d of %d subscribers could not subscribe (%s); running with %d\n",
                 ready.failed, options.connections, ready.first_error.c_str(), ready.subscribed);
  }

  if (!options.json) print_fanout_header(options, ready.subscribed, processes, target.sources);
  int status = 0;
  for (size_t r = 0; r < options.rates.size(); ++r) {
    const double rate = options.rates[r];
    FanoutPoint point;
    point.rate = rate;
    point.subscribers = ready.subscribed;
    const uint64_t start = monotonic_ns() + kPointLeadNs;
    const uint64_t window_start = start + static_cast<uint64_t>(options.warmup * 1e9);
    const uint64_t end = window_start + static_cast<uint64_t>(options.duration * 1e9);
    for (auto& share : shares)
      share->call("window " + std::to_string(window_start) + " " + std::to_string(end));
    uint64_t dropped = 0;
    const uint64_t unique_before = total_progress(shares, dropped);
    const PublisherCounts before = publisher.counts();
    publisher.begin_point(rate, start, end);

    sleep_until_ns(window_start);
    const CpuReading cpu_start = read_cpu(options.server_pid, forked);
    sleep_until_ns(end);
    const CpuReading cpu_end = read_cpu(options.server_pid, forked);
    publisher.wait_point();
    point.cpu = cpu_between(cpu_start, cpu_end);

    // The drain: until every expected delivery arrived, or the grace is over.
    const uint64_t drain_end = end + static_cast<uint64_t>(options.drain * 1e9);
    PublisherCounts after = publisher.counts();
    for (;;) {
      after = publisher.counts();
      const uint64_t expected = expected_deliveries(before, after, ready, options.publish_http);
      const uint64_t received = total_progress(shares, dropped) - unique_before;
      if ((received >= expected && replies_in(after)) || monotonic_ns() >= drain_end) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    point.drain_s = static_cast<double>(monotonic_ns() - end) / 1e9;
    after = publisher.counts();
    std::string subscriber_error;
    for (auto& share : shares) {
      const std::string reply = share->call("snapshot");
      uint64_t share_dropped = 0;
      if (!parse_snapshot(reply, point.sample, share_dropped, subscriber_error) && point.first_error.empty())
        point.first_error = "bad snapshot from a generator process: " + reply.substr(0, 100);
    }
    point.dropped = dropped;
    point.point_s = static_cast<double>(end - start) / 1e9;
    point.published = after.sent - before.sent;
    point.acks = after.acks - before.acks;
    point.publish_errors = after.errors - before.errors;
    point.max_lag_ns = after.max_lag_ns;
    point.http_non_2xx = after.http_non_2xx - before.http_non_2xx;
    point.http_given_up = after.http_given_up - before.http_given_up;
    point.http_reconnects = after.http_reconnects - before.http_reconnects;
    point.http_connection_errors = after.http_connection_errors - before.http_connection_errors;
    point.http_resent = after.http_resent - before.http_resent;
    point.http_first_bad_status = after.http_first_bad_status;
    point.expected = expected_deliveries(before, after, ready, options.publish_http);
    point.unanswered = after.sent - std::min(after.sent, after.acks + after.errors);
    point.lost = point.expected > point.sample.unique ? point.expected - point.sample.unique : 0;
    if (after.lost || point.publish_errors > 0 || point.http_connection_errors > 0)
      point.first_error = after.first_error;
    if (point.first_error.empty() &&
        (point.dropped > 0 || point.sample.errors > 0 || point.sample.misrouted > 0))
      point.first_error = subscriber_error;
    const bool last_rate = r + 1 == options.rates.size();
    if ((point.lost > 0 || point.unanswered > 0) && !last_rate) {
      const double settle_start = monotonic_ns() / 1e9;
      uint64_t seen = total_progress(shares, dropped);
      for (int quiet = 0;
           quiet < kSettleQuietPolls && monotonic_ns() / 1e9 - settle_start < kSettleMaxSeconds;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const uint64_t now_seen = total_progress(shares, dropped);
        // Quiet once deliveries stopped and the publisher has no request left unanswered.
        quiet = now_seen == seen && replies_in(publisher.counts()) ? quiet + 1 : 0;
        seen = now_seen;
      }
      point.settle_s = monotonic_ns() / 1e9 - settle_start;
      SubscriberSample late;
      std::string ignored;
      for (auto& share : shares) {
        uint64_t share_dropped = 0;
        parse_snapshot(share->call("snapshot"), late, share_dropped, ignored);
      }
      point.late = late.unique;
      point.dropped = dropped;
    }
    if (options.json) {
      print_fanout_json(options, point, processes);
    } else {
      print_fanout_row(point);
    }
    if (after.lost || point.sample.window_deliveries == 0) status = 2;
    if (after.lost) break;
  }
  return status;
}

}  // namespace wshub::bench
