#include "HoldShare.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "CpuClock.h"
#include "MemoryProbe.h"

namespace wshub::bench {
namespace {

std::string one_line(std::string text) {
  for (char& ch : text)
    if (ch == '\n' || ch == '\r' || ch == '|') ch = ' ';
  return text;
}

}  // namespace

HoldShare::HoldShare(HoldPlan plan) : plan_(std::move(plan)) {
  const int threads = std::max(1, std::min(plan_.threads, plan_.count));
  int next = plan_.first;
  for (int t = 0; t < threads; ++t) {
    const int share = plan_.count / threads + (t < plan_.count % threads ? 1 : 0);
    workers_.push_back(std::make_unique<HoldWorker>(plan_.target, next, share, plan_.concurrency));
    next += share;
  }
}

HoldShare::~HoldShare() {
  for (auto& worker : workers_) worker->close_all(1);
  for (auto& thread : threads_) thread.join();
}

std::string HoldShare::handle(std::string_view command) {
  std::istringstream in{std::string(command)};
  std::string verb;
  in >> verb;
  if (verb == "open") {
    if (threads_.empty()) {
      for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->run(); });
    }
    return "ok";
  }
  auto wait_for = [this](double seconds, auto done) {
    const double deadline = monotonic_seconds() + seconds;
    for (;;) {
      bool all = true;
      for (auto& w : workers_) all = all && done(*w);
      if (all || monotonic_seconds() > deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  auto first_error = [this] {
    for (auto& w : workers_) {
      std::string e = w->first_error();
      if (!e.empty()) return one_line(e);
    }
    return std::string();
  };
  if (verb == "ready") {
    double seconds = 30;
    in >> seconds;
    wait_for(seconds, [](const HoldWorker& w) { return w.opening_done(); });
    int open = 0, failed = 0;
    for (auto& w : workers_) {
      open += w->open();
      failed += w->failed();
    }
    return std::to_string(open) + " " + std::to_string(plan_.count - open) + "|" + first_error();
  }
  if (verb == "status") {
    int open = 0, dropped = 0;
    for (auto& w : workers_) {
      open += w->open();
      dropped += w->dropped();
    }
    return std::to_string(open - dropped) + " " + std::to_string(dropped);
  }
  if (verb == "close") {
    double seconds = 10;
    in >> seconds;
    for (auto& w : workers_) w->close_all(seconds);
    wait_for(seconds + 1, [](const HoldWorker& w) { return w.closing_done(); });
    int clean = 0;
    for (auto& w : workers_) clean += w->clean_closes();
    return std::to_string(clean) + "|" + first_error();
  }
  if (verb == "cpu") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", self_cpu_seconds());
    return buf;
  }
  if (verb == "rss") return std::to_string(process_rss_kib(getpid()).value_or(0));
  return "error: unknown command " + verb;
}

}  // namespace wshub::bench
