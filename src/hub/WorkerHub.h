#pragma once
// The hub's per-worker half: the clients on this worker, its channel index and user
// index, and the fan-out. Everything here runs on the worker's loop thread; other
// threads reach it only through loop().post() (Hub does that for publications).
//
// Fan-out: a publication arrives once per worker. It is encoded once per encoding in use
// and framed once (ws::FramedMessage), and every subscriber's output queue takes a
// reference to the same frame; the write itself happens when the loop pass ends, one
// writev per connection however many frames it collected (corking).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/Broker.h"
#include "hub/ChannelIndex.h"
#include "hub/Client.h"
#include "hub/CommandDecoder.h"
#include "hub/ConnectionQuery.h"
#include "hub/DurationHistogram.h"
#include "hub/MessageEncoder.h"
#include "hub/Publication.h"
#include "hub/StringMap.h"
#include "net/EventLoop.h"

namespace wshub::ws {
class FramedMessage;
}

namespace wshub::hub {

class Hub;

// Counters written by the worker thread only (relaxed atomics: read by scrapers).
struct HubCounters {
  std::atomic<uint64_t> publications_received{0};  // publications that reached this worker
  std::atomic<uint64_t> deliveries{0};             // publication frames queued to subscribers
  std::atomic<uint64_t> deliveries_dropped{0};     // refused by a subscriber's queue (slow consumer)
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> command_errors{0};
  std::atomic<int64_t> clients{0};  // open connections of the wshub protocol (gauge)
  // Authentication failures by reason (connect, refresh and the upgrade's Bearer alike).
  std::atomic<uint64_t> auth_invalid_token{0};  // refused with 101: signature, claims, malformed, too large
  std::atomic<uint64_t> auth_expired_token{0};  // refused with 109: exp passed
  std::atomic<uint64_t> auth_missing_token{0};  // connect without a token where one is required
  std::atomic<uint64_t> auth_connect_timeouts{0};      // closed 4005: no connect in time
  std::atomic<uint64_t> auth_expired_connections{0};   // closed 4004: exp passed without a refresh
  std::atomic<uint64_t> auth_subscription_refused{0};  // subscription tokens refused
  std::atomic<uint64_t> auth_refreshes{0};             // successful refresh requests
  // A refused connection token, by its error code (109 expired, anything else invalid).
  void count_auth_failure(uint32_t error_code) {
    bump(error_code == static_cast<uint32_t>(ErrorCode::token_expired) ? auth_expired_token
                                                                       : auth_invalid_token);
  }
  // Limits (docs/security.md): connections closed because their user had
  // max_connections_per_user open, requests refused with 111 by the message rate, and
  // every 4029 close (either cause).
  std::atomic<uint64_t> refused_per_user{0};
  std::atomic<uint64_t> requests_rate_limited{0};
  std::atomic<uint64_t> closes_too_many_requests{0};
  // Publish accepted (Hub::publish) -> the last frame of it queued on this worker's
  // subscribers' sockets: one observation per publication and worker that delivered it.
  DurationHistogram delivery_latency;
  void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

class WorkerHub {
 public:
  WorkerHub(Hub& hub, net::EventLoop& loop, unsigned index);
  ~WorkerHub();
  WorkerHub(const WorkerHub&) = delete;
  WorkerHub& operator=(const WorkerHub&) = delete;

  // --- for the server endpoint (loop thread) ---
  // With `credentials` (Authorization: Bearer on the upgrade) the client is connected at
  // once; nullptr when that was refused (the user is at max_connections_per_user): the
  // peer was then closed with 4029 and there is no client.
  Client* open_client(Peer& peer, Encoding encoding, std::optional<Credentials> credentials);
  void close_client(Client* client);  // the WebSocket is gone: unsubscribe, leave, free

  // --- from the Hub (posted to this loop) ---
  void deliver_publication(const PublicationPtr& publication);
  void deliver_join_leave(bool join, const std::string& channel, const ClientInfo& client);
  void deliver_user_message(const std::string& user, const PublicationPtr& message);
  void on_node_subscribed(const std::string& channel, const Result<Unit>& result);
  void apply_user_command(const UserCommand& command);
  // Closes every connection with at least one subscription (Hub::on_subscriptions_interrupted).
  void disconnect_subscribers(const DisconnectReason& reason);
  // Appends this worker's channels with their local subscriber counts.
  void collect_channels(std::vector<ChannelSummary>& out) const;
  // This worker's connections matching `query`: appends at most query.limit of them (the
  // oldest) to out.connections and adds every match to out.total.
  void collect_connections(const ConnectionQuery& query, ConnectionList& out) const;

  // --- for Client ---
  void subscribe(Client& client, const ClientCommand& command);
  void unsubscribe(Client& client, const ClientCommand& command);
  void publish(Client& client, const ClientCommand& command);
  void presence(Client& client, const ClientCommand& command);
  void history(Client& client, const ClientCommand& command);
  // The one place where a connection becomes a user (Client::accept_credentials):
  // counts it against max_connections_per_user and joins the user index. False when the
  // user is at the limit (nothing was counted or joined).
  bool user_connected(Client& client);
  // After user_connected, when the hub's NodeRegistry shares user slots: asks it for a
  // cluster-wide slot and returns true (the answer continues in finish_user_admission);
  // false when there is nothing to ask (no registry, no limit, or slots not shared).
  bool admit_user_in_cluster(Client& client, bool from_connect, std::optional<uint64_t> request_id);

  // Runs `task` on this loop: at once when already on it, else posted. A completion
  // from the broker comes back here before it touches a client.
  void run_here(std::function<void()> task);
  // The client with this local id, if it is still connected.
  Client* find_client(uint64_t local_id);

  Hub& hub() { return hub_; }
  net::EventLoop& loop() { return loop_; }
  unsigned index() const { return index_; }
  CommandDecoder& decoder() { return decoder_; }
  const MessageEncoder& encoder(Encoding e) const { return e == Encoding::json ? json_ : msgpack_; }
  std::string& scratch() { return scratch_; }
  HubCounters& counters() { return counters_; }
  size_t client_count() const { return clients_.size(); }
  size_t channel_count() const { return channels_.channel_count(); }

 private:
  struct Framed;
  void start_subscription(Client& client, std::string_view channel, const NamespaceOptions* ns,
                          std::optional<uint64_t> request_id, std::optional<StreamPosition> recover);
  void end_subscription(Client& client, Subscription& subscription, std::optional<uint64_t> request_id);
  void continue_subscribe(Client& client, Subscription& subscription);
  void finish_user_admission(uint64_t client_id, const std::string& user, bool from_connect,
                             std::optional<uint64_t> request_id, const Result<bool>& result);
  void finish_subscribe(uint64_t client_id, const std::string& channel, uint64_t generation,
                        Result<HistoryResult> result);
  void fail_subscribe(Client& client, Subscription& subscription, const Error& error);
  void drop_subscription(Client& client, Subscription& subscription, bool announce);
  void release_entry_if_empty(ChannelEntry& entry);
  void finish_subscribe_ok(Client& client, Subscription& subscription, HistoryResult& history);
  void announce_join(Client& client, Subscription& subscription);
  void send_publication(Client& client, Subscription& subscription, const PublicationPtr& publication,
                        Framed& framed);

  Hub& hub_;
  net::EventLoop& loop_;
  unsigned index_;
  uint64_t next_local_id_ = 1;
  uint64_t next_generation_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Client>> clients_;
  StringMap<std::vector<Client*>> users_;
  ChannelIndex channels_;
  CommandDecoder decoder_;
  MessageEncoder json_{Encoding::json};
  MessageEncoder msgpack_{Encoding::msgpack};
  std::string scratch_;
  std::string publication_scratch_;
  HubCounters counters_;
  // Clients closed during this pass: freed by a timer on a later pass, so a Client is
  // never freed inside its own callback or while a fan-out walks past it.
  std::vector<std::unique_ptr<Client>> graveyard_;
  net::TimerNode reaper_;
  static void on_reaper(net::TimerNode* node);
};

template <typename Write>
void Client::send(Write&& write) {
  std::string& out = hub_.scratch();
  out.clear();
  write(encoder(), out);
  peer_.send_message(out);
}

}  // namespace wshub::hub
