#pragma once
// The HTTP client's connections to one origin (one ResolvedEndpoint) and the requests waiting for them
// (internal to HttpClient).
//
// Policy, in the order post() meets it:
//   1. an idle pooled connection is reused (the most recently used one: it is the least likely to have been
//      closed by the server, and the others age out);
//   2. else, below max_connections_per_origin, a new connection is opened for the request;
//   3. else the request waits in a FIFO of at most max_queued;
//   4. else it fails at once (delivered later, like every result) with `overloaded`.
// Invariant: while requests wait, no connection is idle and the origin has its maximum of connections; so a
// connection that finishes takes the head of the queue, and one that closes makes room for a new one.
//
// The one retry: a request written on a reused connection that then died without a byte of response
// (connection_lost) is resent once on a new connection. That is the race every keep-alive client has: the
// server closed the idle connection while our request was on its way. The retry is blind to idempotency; it
// is safe because the server closes such connections only between requests, so it cannot have processed
// ours. A server that crashes mid-request could see a POST twice; back-ends that cannot tolerate that
// should deduplicate by a request id.
//
// Timeouts: each request's deadline is armed at post(). When it fires the request fails with `timeout`
// wherever it is: removed from the queue, or its connection closed (a half-finished exchange leaves the
// connection unusable).
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "http/HttpClientError.h"
#include "http/HttpClientOptions.h"
#include "http/PendingRequest.h"
#include "http/ResolvedEndpoint.h"
#include "http/ResponseParser.h"

namespace wshub::net {
class EventLoop;
}

namespace wshub::http {

class ClientConnection;
class CompletionQueue;
class RetiredConnections;

// What every pool of one client shares.
struct PoolContext {
  net::EventLoop& loop;
  const HttpClientOptions& options;
  CompletionQueue& completions;
  RetiredConnections& retired;
  std::span<std::byte> read_buffer;
  ResponseLimits limits;
};

class OriginPool {
 public:
  OriginPool(PoolContext& context, const ResolvedEndpoint& endpoint);
  // Closes every connection and drops every request without calling it (see HttpClient's destructor).
  ~OriginPool();
  OriginPool(const OriginPool&) = delete;
  OriginPool& operator=(const OriginPool&) = delete;

  // `request` has its deadline armed and its pool set to this.
  void submit(std::unique_ptr<PendingRequest> request);
  // Fails every request (queued and in flight) with `kind` and closes every connection.
  void fail_all(HttpClientErrorKind kind, std::string_view why);

  size_t in_flight() const { return connections_.size() - idle_.size(); }
  size_t queued() const { return queue_.size(); }
  size_t open_connections() const { return connections_.size(); }

  // --- reports from ClientConnection (the connection has updated its state) ---
  void on_response(ClientConnection& connection, HttpResponse&& response);
  void on_failure(ClientConnection& connection, HttpClientErrorKind kind, std::string message);
  void on_idle_closed(ClientConnection& connection);
  // From a request's deadline timer.
  void on_deadline(PendingRequest& request);

 private:
  void start_on_new_connection(std::unique_ptr<PendingRequest> request);
  void reuse_or_park(ClientConnection& connection);
  // Gives waiting requests to free capacity (after a connection closed).
  void dispatch();
  // Takes `connection` (closed) out of the pool and hands it to RetiredConnections.
  void retire(ClientConnection& connection);
  void complete(std::unique_ptr<PendingRequest> request, HttpClientErrorKind kind, std::string message);

  PoolContext& context_;
  ResolvedEndpoint endpoint_;
  std::vector<std::unique_ptr<ClientConnection>> connections_;  // connecting, busy and idle
  std::vector<ClientConnection*> idle_;                         // most recently used last
  std::list<std::unique_ptr<PendingRequest>> queue_;
};

}  // namespace wshub::http
