#include "http/OriginPool.h"

#include <algorithm>
#include <cassert>

#include "http/ClientConnection.h"
#include "http/CompletionQueue.h"
#include "http/RetiredConnections.h"

namespace wshub::http {

OriginPool::OriginPool(PoolContext& context, const ResolvedEndpoint& endpoint)
    : context_(context), endpoint_(endpoint) {}

OriginPool::~OriginPool() {
  // Connections may have events in the loop's current batch: they go through RetiredConnections too.
  // A request must not outlive the pool: its deadline timer points here.
  for (auto& connection : connections_) {
    connection->take_request().reset();
    connection->close();
    context_.retired.retire(std::move(connection));
  }
}

void OriginPool::submit(std::unique_ptr<PendingRequest> request) {
  if (!idle_.empty()) {
    ClientConnection* connection = idle_.back();
    idle_.pop_back();
    connection->send(std::move(request));
  } else if (connections_.size() < context_.options.max_connections_per_origin) {
    start_on_new_connection(std::move(request));
  } else if (queue_.size() < context_.options.max_queued) {
    queue_.push_back(std::move(request));
    PendingRequest& queued = *queue_.back();
    queued.queued = true;
    queued.queue_position = std::prev(queue_.end());
  } else {
    complete(std::move(request), HttpClientErrorKind::overloaded,
             "all " + std::to_string(connections_.size()) + " connections to " + endpoint_.host_header +
                 " are busy and " + std::to_string(queue_.size()) + " requests wait");
  }
}

void OriginPool::start_on_new_connection(std::unique_ptr<PendingRequest> request) {
  auto connection =
      std::make_unique<ClientConnection>(*this, context_.loop, context_.read_buffer, context_.limits);
  std::string error;
  if (!connection->open(endpoint_, error)) {
    // Never registered with the loop, so no event can refer to it: it may go at once.
    complete(std::move(request), HttpClientErrorKind::connect_failed, endpoint_.host_header + ": " + error);
    return;
  }
  connection->send(std::move(request));
  connections_.push_back(std::move(connection));
}

void OriginPool::reuse_or_park(ClientConnection& connection) {
  if (!queue_.empty()) {
    std::unique_ptr<PendingRequest> next = std::move(queue_.front());
    queue_.pop_front();
    next->queued = false;
    connection.send(std::move(next));
    return;
  }
  idle_.push_back(&connection);
  connection.park(context_.options.idle_timeout);
}

void OriginPool::dispatch() {
  while (!queue_.empty() && connections_.size() < context_.options.max_connections_per_origin) {
    std::unique_ptr<PendingRequest> next = std::move(queue_.front());
    queue_.pop_front();
    next->queued = false;
    start_on_new_connection(std::move(next));
  }
}

void OriginPool::on_response(ClientConnection& connection, HttpResponse&& response) {
  std::unique_ptr<PendingRequest> request = connection.take_request();
  request->wheel.cancel(request->deadline);
  context_.completions.push(std::move(request->done), std::move(response));
  request.reset();
  if (connection.state() == ClientConnection::State::idle) {
    reuse_or_park(connection);
  } else {
    retire(connection);
    dispatch();
  }
}

void OriginPool::on_failure(ClientConnection& connection, HttpClientErrorKind kind, std::string message) {
  std::unique_ptr<PendingRequest> request = connection.take_request();
  const bool retry = kind == HttpClientErrorKind::connection_lost && connection.reused() && !request->retried;
  retire(connection);
  if (retry) {
    request->retried = true;
    start_on_new_connection(std::move(request));  // the retired connection's place is free
  } else {
    complete(std::move(request), kind, endpoint_.host_header + ": " + message);
  }
  dispatch();
}

void OriginPool::on_idle_closed(ClientConnection& connection) {
  retire(connection);
  dispatch();
}

void OriginPool::on_deadline(PendingRequest& request) {
  const std::string timeout = std::to_string(context_.options.timeout.count()) + " ms";
  if (request.queued) {
    std::unique_ptr<PendingRequest> owned = std::move(*request.queue_position);
    queue_.erase(request.queue_position);
    complete(std::move(owned), HttpClientErrorKind::timeout,
             "no connection to " + endpoint_.host_header + " within " + timeout);
    return;
  }
  ClientConnection* connection = request.connection;
  assert(connection != nullptr && "a request is either queued or carried by a connection");
  const std::string phase(connection->phase());
  std::unique_ptr<PendingRequest> owned = connection->take_request();
  connection->close();
  retire(*connection);
  complete(std::move(owned), HttpClientErrorKind::timeout,
           endpoint_.host_header + ": no response within " + timeout + " (" + phase + ")");
  dispatch();
}

void OriginPool::fail_all(HttpClientErrorKind kind, std::string_view why) {
  while (!queue_.empty()) {
    std::unique_ptr<PendingRequest> request = std::move(queue_.front());
    queue_.pop_front();
    complete(std::move(request), kind, std::string(why));
  }
  while (!connections_.empty()) {
    ClientConnection& connection = *connections_.back();
    std::unique_ptr<PendingRequest> request = connection.take_request();
    connection.close();
    retire(connection);
    if (request) complete(std::move(request), kind, std::string(why));
  }
}

void OriginPool::retire(ClientConnection& connection) {
  assert(connection.state() == ClientConnection::State::closed);
  idle_.erase(std::remove(idle_.begin(), idle_.end(), &connection), idle_.end());
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [&](const std::unique_ptr<ClientConnection>& c) { return c.get() == &connection; });
  assert(it != connections_.end());
  context_.retired.retire(std::move(*it));
  connections_.erase(it);
}

void OriginPool::complete(std::unique_ptr<PendingRequest> request, HttpClientErrorKind kind,
                          std::string message) {
  request->wheel.cancel(request->deadline);
  context_.completions.push(std::move(request->done), HttpClientError{kind, std::move(message)});
}

}  // namespace wshub::http
