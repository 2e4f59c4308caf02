#pragma once
// A search over the open connections of the wshub protocol on this node (the server
// API's `connections`, the admin page's search): who is connected, from where, since
// when, to which channels, and how much they talk. Each worker answers for its own
// clients on its own thread; Hub::connections merges the answers.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::hub {

struct ConnectionQuery {
  std::string user;  // exact user id; empty: any connection (anonymous ones included)
  // Keeps connections subscribed to at least one channel it accepts; empty: no channel
  // filter. Called on several worker threads at once, so it must be pure.
  std::function<bool(std::string_view channel)> channel;
  size_t limit = 100;  // at most this many in the answer (the oldest connections first)
};

struct ConnectionSummary {
  std::string client;  // the client id (ClientInfo::client)
  std::string user;    // empty for an anonymous connection
  std::string remote_address;
  int64_t connected_at_ms = 0;        // Unix time in milliseconds
  std::vector<std::string> channels;  // its subscriptions, sorted
  uint64_t messages_in = 0;           // WebSocket messages received from it
  uint64_t messages_out = 0;          // WebSocket messages queued to it
  unsigned worker = 0;
};

struct ConnectionList {
  std::vector<ConnectionSummary> connections;  // oldest first, at most the query's limit
  size_t total = 0;                            // how many matched in all
};

}  // namespace wshub::hub
