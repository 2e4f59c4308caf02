#pragma once
// One request of the HTTP client, from post() to its callback (internal to HttpClient).
//
// Ownership moves, never shared: the origin's wait queue owns a queued request, a ClientConnection owns the
// one it carries, and a completed request is destroyed once its callback is handed to the CompletionQueue.
// The deadline timer is part of the request, so destroying it (in whichever owner) always disarms it.
#include <list>
#include <memory>
#include <string>

#include "http/HttpClientError.h"
#include "net/TimingWheel.h"

namespace wshub::http {

class OriginPool;
class ClientConnection;

struct PendingRequest {
  explicit PendingRequest(net::TimingWheel& timers) : wheel(timers) {}
  ~PendingRequest() { wheel.cancel(deadline); }
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;

  net::TimingWheel& wheel;
  std::string head;  // request line and headers, formatted once: a retry resends the same bytes
  std::string body;
  HttpClientCallback done;
  OriginPool* pool = nullptr;
  ClientConnection* connection = nullptr;  // the connection carrying it, if any
  bool queued = false;
  std::list<std::unique_ptr<PendingRequest>>::iterator queue_position;  // valid while queued
  bool retried = false;     // the one retry after a reused connection died unanswered is spent
  net::TimerNode deadline;  // options.timeout after post()
};

}  // namespace wshub::http
