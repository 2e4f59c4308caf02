#include "http/CompletionQueue.h"

#include <chrono>

namespace wshub::http {

CompletionQueue::CompletionQueue(net::EventLoop& loop)
    : loop_(loop), self_(std::make_shared<CompletionQueue*>(this)) {
  fallback_.owner = this;
  fallback_.callback = &CompletionQueue::on_timer;
}

CompletionQueue::~CompletionQueue() {
  *self_ = nullptr;
  if (destroyed_ != nullptr) *destroyed_ = true;
  loop_.timers().cancel(fallback_);
}

void CompletionQueue::push(HttpClientCallback done, HttpResponse response) {
  pending_.push_back({std::move(done), std::move(response)});
  schedule();
}

void CompletionQueue::push(HttpClientCallback done, HttpClientError error) {
  pending_.push_back({std::move(done), std::move(error)});
  schedule();
}

void CompletionQueue::schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  if (!loop_.post([self = self_] {
        if (*self != nullptr) (*self)->deliver();
      })) {
    loop_.timers().schedule(fallback_, std::chrono::milliseconds(0));
  }
}

void CompletionQueue::on_timer(net::TimerNode* node) {
  static_cast<CompletionQueue*>(node->owner)->deliver();
}

void CompletionQueue::deliver() {
  // Both the task and the fallback timer may be armed; whichever runs first delivers.
  scheduled_ = false;
  loop_.timers().cancel(fallback_);
  std::vector<Completion> batch;
  batch.swap(pending_);
  bool destroyed = false;
  destroyed_ = &destroyed;
  for (Completion& c : batch) {
    if (auto* response = std::get_if<HttpResponse>(&c.result)) {
      c.done(response, nullptr);
    } else {
      c.done(nullptr, &std::get<HttpClientError>(c.result));
    }
    if (destroyed) return;  // `this` is gone; the rest of `batch` is dropped with it
  }
  destroyed_ = nullptr;
}

}  // namespace wshub::http
