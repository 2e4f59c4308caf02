#pragma once
// Asynchronous HTTP/1.1 client on a worker's event loop, for calls to back-end services (the hub POSTs a
// routed message as JSON and relays the answer).
//
// Everything runs on the loop thread and nothing blocks: connections are non-blocking sockets registered
// with the loop, deadlines live on the loop's timing wheel, and name resolution happened at start-up
// (ResolvedEndpoint). Per origin, connections are kept alive and pooled, at most
// max_connections_per_origin at once, with a bounded FIFO of waiting requests (OriginPool.h has the policy,
// the one retry after the keep-alive race, and the timeout rules).
//
// Results are values: every post() ends in exactly one callback with a response (any status: a 500 is a
// response, not an error) or an HttpClientError. The callback never runs inside post(); it runs from a task
// on the loop (CompletionQueue.h), may call post() again, and may destroy the client.
//
// Plain http:// only: https needs the client side of net::TlsTransport (see Url.h).
//
// Layering: wshub::http; knows nothing of the hub. Not thread-safe: one client per loop, used on its thread.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "http/HttpClientError.h"
#include "http/HttpClientOptions.h"
#include "http/HttpResponse.h"
#include "http/ResolvedEndpoint.h"

namespace wshub::net {
class EventLoop;
struct TimerNode;
}  // namespace wshub::net

namespace wshub::http {

class OriginPool;
class CompletionQueue;
class RetiredConnections;
struct PoolContext;

class HttpClient {
 public:
  // `loop` must outlive the client. Precondition: options.max_connections_per_origin >= 1.
  HttpClient(net::EventLoop& loop, HttpClientOptions options);
  // Closes every connection and drops every pending request and undelivered result without calling its
  // callback: the owner is going away, and calling into it from its own destructor is how use-after-free
  // starts. Call close() first, and let the loop run, to have them all answered with `closed`.
  //
  // May run from one of the client's callbacks. Otherwise it must not run while the loop dispatches a batch
  // (from another handler, task or timer of the loop): destroy the client after run() returns, or from one of
  // its callbacks. (A connection it frees could still have an event in the batch; see RetiredConnections.h.)
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `POST path` with `body` to `endpoint` and calls `done` with the outcome, later, on the loop thread.
  // Loop thread only. Headers sent: Host, Content-Type (omitted when empty), Content-Length,
  // "Connection: keep-alive", then `extra_headers` in order. Fails (through `done`) with invalid_request when
  // a field could break the message framing (RequestHead.h), with overloaded when the origin's queue is
  // full, with closed after close().
  void post(const ResolvedEndpoint& endpoint, std::string_view path, std::string_view content_type,
            std::string body, HttpClientCallback done,
            std::span<const std::pair<std::string, std::string>> extra_headers = {});

  // Fails every queued and in-flight request with `closed` (callbacks run later, as always), closes every
  // connection, and makes later post() calls fail with `closed`. For a worker that is shutting down.
  void close();

  // Requests carried by a connection (connecting, sending or awaiting the response), over all origins.
  size_t in_flight() const;
  // Requests waiting for a connection, over all origins.
  size_t queued() const;
  // Open connections (connecting, busy or idle), over all origins.
  size_t open_connections() const;

 private:
  OriginPool& pool_for(const ResolvedEndpoint& endpoint);
  void fail_now(HttpClientCallback done, HttpClientErrorKind kind, std::string message);
  static void on_deadline(net::TimerNode* node);

  net::EventLoop& loop_;
  HttpClientOptions options_;
  std::unique_ptr<std::byte[]> read_buffer_;  // every connection reads into it and parses at once
  std::unique_ptr<CompletionQueue> completions_;
  std::unique_ptr<RetiredConnections> retired_;
  std::unique_ptr<PoolContext> context_;
  // One pool per endpoint ever used, for the client's life: back-ends are configured, hence few.
  std::unordered_map<std::string, std::unique_ptr<OriginPool>> pools_;
  bool closed_ = false;
};

}  // namespace wshub::http
