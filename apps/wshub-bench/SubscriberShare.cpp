#include "SubscriberShare.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>

#include "CpuClock.h"

namespace wshub::bench {

SubscriberShare::SubscriberShare(SubscriberPlan plan) : plan_(std::move(plan)) {
  const int threads = std::max(1, std::min(plan_.threads, plan_.count));
  int next = plan_.first;
  for (int t = 0; t < threads; ++t) {
    const int share = plan_.count / threads + (t < plan_.count % threads ? 1 : 0);
    workers_.push_back(
        std::make_unique<SubscriberWorker>(plan_.target, plan_.channels, next, share, plan_.concurrency));
    next += share;
  }
}

SubscriberShare::~SubscriberShare() {
  for (auto& worker : workers_) worker->stop();
  for (auto& thread : threads_) thread.join();
}

std::string SubscriberShare::handle(std::string_view command) {
  std::istringstream in{std::string(command)};
  std::string verb;
  in >> verb;
  if (verb == "open") {
    if (threads_.empty()) {
      for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->run(); });
    }
    return "ok";
  }
  if (verb == "ready") {
    double seconds = 10;
    in >> seconds;
    const double deadline = monotonic_seconds() + seconds;
    auto done = [this] {
      for (auto& w : workers_)
        if (!w->opening_done()) return false;
      return true;
    };
    while (!done() && monotonic_seconds() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    int subscribed = 0, failed = 0;
    std::vector<int> per_channel(static_cast<size_t>(plan_.channels), 0);
    std::string error;
    for (auto& w : workers_) {
      subscribed += w->subscribed();
      failed += w->failed();
      const std::vector<int> counts = w->subscribed_per_channel();
      for (size_t k = 0; k < counts.size(); ++k) per_channel[k] += counts[k];
      if (error.empty()) error = w->first_error();
    }
    const int pending = plan_.count - subscribed - failed;
    if (pending > 0 && error.empty())
      error = std::to_string(pending) + " subscriber(s) had no `subscribed` reply after " +
              std::to_string(static_cast<int>(seconds)) + " s";
    std::string reply = std::to_string(subscribed) + " " + std::to_string(plan_.count - subscribed) + " ";
    for (size_t k = 0; k < per_channel.size(); ++k) reply += (k ? "," : "") + std::to_string(per_channel[k]);
    for (char& ch : error)
      if (ch == '\n' || ch == '\r' || ch == '|') ch = ' ';
    return reply + "|" + error;
  }
  if (verb == "window") {
    uint64_t start = 0, end = 0;
    in >> start >> end;
    for (auto& w : workers_) w->set_window(start, end);
    return "ok";
  }
  if (verb == "progress") {
    uint64_t unique = 0;
    int dropped = 0;
    for (auto& w : workers_) {
      unique += w->unique();
      dropped += w->dropped();
    }
    return std::to_string(unique) + " " + std::to_string(dropped);
  }
  if (verb == "snapshot") {
    SubscriberSample sample;
    int dropped = 0;
    std::string error;
    for (auto& w : workers_) {
      w->take_sample(sample);
      dropped += w->dropped();
      if (error.empty()) error = w->first_error();
    }
    for (char& ch : error)
      if (ch == '\n' || ch == '\r' || ch == '|') ch = ' ';
    char head[256];
    std::snprintf(
        head, sizeof head, "%llu %llu %llu %llu %llu %llu %llu %d|",
        static_cast<unsigned long long>(sample.window_deliveries),
        static_cast<unsigned long long>(sample.window_bytes), static_cast<unsigned long long>(sample.unique),
        static_cast<unsigned long long>(sample.duplicates), static_cast<unsigned long long>(sample.reordered),
        static_cast<unsigned long long>(sample.misrouted), static_cast<unsigned long long>(sample.errors),
        dropped);
    return head + sample.latency.serialize() + "|" + error;
  }
  if (verb == "cpu") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", self_cpu_seconds());
    return buf;
  }
  return "error: unknown command " + verb;
}

bool parse_snapshot(std::string_view reply, SubscriberSample& sample, uint64_t& dropped, std::string& error) {
  const size_t bar = reply.find('|');
  if (bar == std::string_view::npos) return false;
  unsigned long long v[8] = {};
  const std::string head(reply.substr(0, bar));
  if (std::sscanf(head.c_str(), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                  &v[5], &v[6], &v[7]) != 8)
    return false;
  SubscriberSample read;
  read.window_deliveries = v[0];
  read.window_bytes = v[1];
  read.unique = v[2];
  read.duplicates = v[3];
  read.reordered = v[4];
  read.misrouted = v[5];
  read.errors = v[6];
  dropped += v[7];
  const std::string_view rest = reply.substr(bar + 1);
  const size_t second_bar = rest.find('|');
  if (second_bar == std::string_view::npos || !read.latency.parse(rest.substr(0, second_bar))) return false;
  if (error.empty()) error = std::string(rest.substr(second_bar + 1));
  sample.merge(read);
  return true;
}

}  // namespace wshub::bench
