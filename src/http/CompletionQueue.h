#pragma once
// Delivers the HTTP client's results outside of any call into the client (internal to HttpClient).
//
// Why: a callback run inside post() surprises its caller (its state half-updated, a recursion it never
// expected), and one run from inside the client's I/O handling could re-enter the client through post()
// while a connection is mid-update. So every result (a response, `overloaded` found at once, a timeout) is
// queued here and delivered by a task posted to the loop: EventLoop::post wakes epoll through its eventfd
// at once, so a completion costs no timer tick, and one task delivers everything queued before it runs.
// Should the loop's task queue be full, a zero-delay timer (the next wheel tick, at most ~50 ms later) does
// the same job.
//
// Callbacks run in FIFO order and must not throw. A callback may post() again (its result comes with a
// later task) and may destroy the client: the rest of the batch is then dropped unrun, like every
// undelivered result when the queue is destroyed.
#include <memory>
#include <variant>
#include <vector>

#include "http/HttpClientError.h"
#include "net/EventLoop.h"

namespace wshub::http {

class CompletionQueue {
 public:
  explicit CompletionQueue(net::EventLoop& loop);
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  void push(HttpClientCallback done, HttpResponse response);
  void push(HttpClientCallback done, HttpClientError error);

  size_t size() const { return pending_.size(); }
  // True while callbacks run (the owner may be destroyed from one of them).
  bool delivering() const { return destroyed_ != nullptr; }

 private:
  struct Completion {
    HttpClientCallback done;
    std::variant<HttpResponse, HttpClientError> result;
  };
  void schedule();
  void deliver();
  static void on_timer(net::TimerNode* node);

  net::EventLoop& loop_;
  std::vector<Completion> pending_;
  bool scheduled_ = false;
  // The posted task holds a copy; the destructor clears it, so a task that outlives the queue does nothing.
  std::shared_ptr<CompletionQueue*> self_;
  bool* destroyed_ = nullptr;  // points into deliver()'s frame while callbacks run
  net::TimerNode fallback_;
};

}  // namespace wshub::http
