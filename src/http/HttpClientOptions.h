#pragma once
// Limits of an HttpClient, with the defaults used for back-end calls. Plain data; the client copies it.
#include <chrono>
#include <cstddef>

namespace wshub::http {

struct HttpClientOptions {
  // Connections open at once per origin (address + Host), connecting ones included. Must be at least 1.
  size_t max_connections_per_origin = 16;
  // Requests per origin waiting for a connection, in FIFO order; beyond it post() fails with `overloaded`.
  size_t max_queued = 1024;
  // From post() to the callback: waiting in the queue, connecting, writing and reading all count.
  std::chrono::milliseconds timeout{5000};
  // Largest response body accepted; a larger one fails with `too_large` and closes the connection.
  size_t max_response_size = 1 << 20;
  // A pooled connection unused this long is closed (servers close theirs too; closing first avoids most
  // requests racing a server's close).
  std::chrono::milliseconds idle_timeout{30000};
};

}  // namespace wshub::http
