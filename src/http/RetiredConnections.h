#pragma once
// Closed connections of the HTTP client, kept allocated until the event loop can no longer hold an event for
// them (internal to HttpClient).
//
// Why not delete at once: epoll_wait returns a batch of events, each carrying a handler's address, and the
// loop dispatches them one by one. A connection closed while a batch is in progress (by a timer, by another
// connection's event, by a callback) may still have an event later in that batch: EPOLL_CTL_DEL does not
// take it back. The Worker frees its connections in the end-of-iteration hook; the client cannot use the
// hook (the worker owns it), so it tells iterations apart by the loop's iteration time instead:
// EventLoop::now() is read after every epoll_wait and does not change while a batch is dispatched, so an
// entry retired at time t may be freed once now() > t, in an iteration whose batch was fetched after the
// close. A wheel timer does the freeing: it never fires in the advance() that scheduled it, and the time
// check keeps what earlier timers of the same advance() retired. Memory is held for about one tick.
#include <memory>
#include <utility>
#include <vector>

#include "net/EventLoop.h"

namespace wshub::http {

class ClientConnection;

class RetiredConnections {
 public:
  explicit RetiredConnections(net::EventLoop& loop);
  // Frees every entry. Safe only while the loop is not dispatching a batch (see abandon()).
  ~RetiredConnections();
  RetiredConnections(const RetiredConnections&) = delete;
  RetiredConnections& operator=(const RetiredConnections&) = delete;

  // `connection` must be closed (deregistered; it ignores events).
  void retire(std::unique_ptr<ClientConnection> connection);

  // For an owner destroyed while a batch may be in progress: hands every entry to a heap object that frees
  // them, and itself, from a timer in a later iteration. If the loop is destroyed before that timer fires,
  // the entries leak (the wheel drops timers without running them).
  void abandon();

  size_t size() const { return entries_.size(); }

 private:
  using Entry = std::pair<net::TimingWheel::Clock::time_point, std::unique_ptr<ClientConnection>>;
  struct Abandoned;
  static void on_timer(net::TimerNode* node);
  // Frees the entries retired before the current iteration; true when none is left.
  static bool free_expired(net::EventLoop& loop, std::vector<Entry>& entries);

  net::EventLoop& loop_;
  std::vector<Entry> entries_;
  net::TimerNode timer_;
};

}  // namespace wshub::http
