#include "http/RetiredConnections.h"

#include <algorithm>
#include <chrono>

#include "http/ClientConnection.h"

namespace wshub::http {

namespace {
constexpr std::chrono::milliseconds kNextTick{0};  // the wheel rounds up to its next tick
}

struct RetiredConnections::Abandoned {
  net::EventLoop* loop;
  std::vector<Entry> entries;
  net::TimerNode timer;

  static void on_timer(net::TimerNode* node) {
    auto* self = static_cast<Abandoned*>(node->owner);
    if (free_expired(*self->loop, self->entries)) {
      delete self;
    } else {
      self->loop->timers().schedule(self->timer, kNextTick);
    }
  }
};

RetiredConnections::RetiredConnections(net::EventLoop& loop) : loop_(loop) {
  timer_.owner = this;
  timer_.callback = &RetiredConnections::on_timer;
}

RetiredConnections::~RetiredConnections() {
  loop_.timers().cancel(timer_);
}

void RetiredConnections::retire(std::unique_ptr<ClientConnection> connection) {
  entries_.emplace_back(loop_.now(), std::move(connection));
  if (!timer_.scheduled()) loop_.timers().schedule(timer_, kNextTick);
}

void RetiredConnections::abandon() {
  loop_.timers().cancel(timer_);
  if (entries_.empty()) return;
  auto* abandoned = new Abandoned{&loop_, std::move(entries_), {}};
  entries_.clear();
  abandoned->timer.owner = abandoned;
  abandoned->timer.callback = &Abandoned::on_timer;
  loop_.timers().schedule(abandoned->timer, kNextTick);
}

bool RetiredConnections::free_expired(net::EventLoop& loop, std::vector<Entry>& entries) {
  const auto now = loop.now();
  entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.first < now; }),
                entries.end());
  return entries.empty();
}

void RetiredConnections::on_timer(net::TimerNode* node) {
  auto* self = static_cast<RetiredConnections*>(node->owner);
  if (!free_expired(self->loop_, self->entries_)) self->loop_.timers().schedule(self->timer_, kNextTick);
}

}  // namespace wshub::http
