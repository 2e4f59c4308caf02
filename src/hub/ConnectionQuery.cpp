// The `connections` search: each worker filters its own clients on its own thread, the
// last one to answer merges. Kept apart from the fan-out code in WorkerHub.cpp: nothing
// here is on a message path.
#include "hub/ConnectionQuery.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "hub/Hub.h"
#include "hub/WorkerHub.h"

namespace wshub::hub {

namespace {

bool older(const ConnectionSummary& a, const ConnectionSummary& b) {
  if (a.connected_at_ms != b.connected_at_ms) return a.connected_at_ms < b.connected_at_ms;
  return a.client < b.client;
}

ConnectionSummary summarize(const Client& client, unsigned worker) {
  ConnectionSummary s;
  s.client = client.info().client;
  s.user = client.user();
  const Peer& peer = client.peer();
  s.remote_address = peer.remote_address();
  MessageCounts counts = peer.message_counts();
  s.messages_in = counts.in;
  s.messages_out = counts.out;
  s.connected_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(client.connected_at().time_since_epoch()).count();
  for (const auto& subscription : client.subscriptions()) {
    s.channels.push_back(subscription->channel);
  }
  std::sort(s.channels.begin(), s.channels.end());
  s.worker = worker;
  return s;
}

// Keeps the `limit` oldest of `list`.
void keep_oldest(std::vector<ConnectionSummary>& list, size_t limit) {
  std::sort(list.begin(), list.end(), older);
  if (list.size() > limit) list.resize(limit);
}

}  // namespace

void WorkerHub::collect_connections(const ConnectionQuery& query, ConnectionList& out) const {
  std::vector<ConnectionSummary> found;
  auto consider = [&](const Client& client) {
    if (client.closed()) return;
    if (query.channel) {
      bool any = false;
      for (const auto& subscription : client.subscriptions()) {
        if (query.channel(subscription->channel)) {
          any = true;
          break;
        }
      }
      if (!any) return;
    }
    ++out.total;
    found.push_back(summarize(client, index_));
    // Bounded memory on a node with many matches: trim as we go.
    if (found.size() >= 2 * query.limit + 64) keep_oldest(found, query.limit);
  };
  if (!query.user.empty()) {
    auto it = users_.find(query.user);
    if (it != users_.end()) {
      for (const Client* client : it->second) consider(*client);
    }
  } else {
    for (const auto& [id, client] : clients_) consider(*client);
  }
  keep_oldest(found, query.limit);
  for (ConnectionSummary& s : found) out.connections.push_back(std::move(s));
}

void Hub::connections(ConnectionQuery query, Completion<ConnectionList> done) {
  struct Gather {
    std::mutex mutex;
    ConnectionQuery query;
    ConnectionList list;
    size_t remaining = 0;
    bool failed = false;
    Completion<ConnectionList> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->query = std::move(query);
  gather->remaining = workers_.size();
  gather->done = std::move(done);
  auto finish_one = [gather](ConnectionList* local) {
    std::unique_lock lock(gather->mutex);
    if (local) {
      gather->list.total += local->total;
      for (ConnectionSummary& s : local->connections) gather->list.connections.push_back(std::move(s));
    } else {
      gather->failed = true;
    }
    if (--gather->remaining > 0) return;
    lock.unlock();
    if (gather->failed)
      return gather->done(Error{code(ErrorCode::unavailable), "a worker is overloaded; retry"});
    keep_oldest(gather->list.connections, gather->query.limit);
    gather->done(std::move(gather->list));
  };
  if (workers_.empty()) return gather->done(ConnectionList{});
  for (auto& worker : workers_) {
    WorkerHub* w = worker.get();
    bool posted = w->loop().post([w, gather, finish_one] {
      ConnectionList local;
      w->collect_connections(gather->query, local);
      finish_one(&local);
    });
    if (!posted) finish_one(nullptr);
  }
}

}  // namespace wshub::hub
