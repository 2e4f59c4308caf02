#pragma once
// One connection's session of the wshub protocol on its worker: who it is (anonymous,
// or a user from a verified token), what it subscribed to, and the request handlers.
// The Client lives exactly as long as its connection's WebSocket is open; it is created
// and destroyed by its WorkerHub, on the worker thread only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/Authenticator.h"
#include "hub/ClientCommand.h"
#include "hub/ErrorCode.h"
#include "hub/Peer.h"
#include "hub/Publication.h"
#include "hub/RequestRateLimit.h"
#include "hub/Subscription.h"
#include "net/TimingWheel.h"

namespace wshub::hub {

class WorkerHub;
class MessageEncoder;

class Client {
 public:
  Client(WorkerHub& hub, Peer& peer, uint64_t local_id, std::string id, Encoding encoding);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One WebSocket message from the peer: decode, then handle each command in order.
  void on_frame(std::span<const std::byte> frame);

  uint64_t local_id() const { return local_id_; }
  const ClientInfo& info() const { return info_; }
  const std::string& user() const { return info_.user; }
  bool authenticated() const { return !info_.user.empty(); }
  bool connected() const { return connected_; }
  bool closed() const { return disconnecting_; }
  void mark_closed() { disconnecting_ = true; }
  Encoding encoding() const { return encoding_; }
  std::chrono::system_clock::time_point connected_at() const { return connected_at_; }
  Peer& peer() { return peer_; }
  const Peer& peer() const { return peer_; }
  const MessageEncoder& encoder() const;

  // The one place where a connection becomes a user: a verified `connect` token or the
  // upgrade's `Authorization: Bearer`. Connected at once; joins the user index; when the
  // token has `exp`, schedules refresh_required and the 4004 close (hub/TokenExpiry.h).
  // refused when the user already has max_connections_per_user connections on this node:
  // then the client was told (error 111 to `request_id` when there is one, the disconnect
  // message) and closed with 4029, and may already be gone from the hub. pending when the
  // cluster-wide count must be asked first (the hub's NodeRegistry shares user slots):
  // the client stays unconnected until WorkerHub::finish_user_admission decides, which
  // then answers the `connect` (when `from_connect`) or closes it as above.
  enum class Admission : uint8_t { admitted, pending, refused };
  [[nodiscard]] Admission accept_credentials(Credentials credentials,
                                             std::optional<uint64_t> request_id = std::nullopt,
                                             bool from_connect = false);
  // The end of an admission: connected, token expiry scheduled, and with `from_connect`
  // the `connected` reply to request_id.
  void complete_connect(bool from_connect, std::optional<uint64_t> request_id);
  // Over the per-user limit: error 111 to request_id (when there is one), close 4029.
  void refuse_user(std::optional<uint64_t> request_id);
  // No credentials yet and anonymous access off: closed with 4005 unless it connects in time.
  void arm_connect_deadline();

  std::vector<std::unique_ptr<Subscription>>& subscriptions() { return subscriptions_; }
  const std::vector<std::unique_ptr<Subscription>>& subscriptions() const { return subscriptions_; }
  Subscription* find_subscription(std::string_view channel);
  void forget_subscription(Subscription* subscription);

  // Replies: encode with this client's encoding and queue.
  template <typename Write>
  void send(Write&& write);
  void send_error(std::optional<uint64_t> id, ErrorCode code, std::string_view message = {});
  void send_error(std::optional<uint64_t> id, const Error& error);
  void disconnect(const DisconnectReason& reason);

  bool may(Access access, std::string_view channel) const;
  const Credentials* credentials() const { return credentials_.get(); }

  // One node, three uses in turn: the connect deadline, then (tokens with exp) the
  // refresh_required notice, then the expiry close. Cancelled when the client closes.
  net::TimerNode timer;
  bool holds_user_slot = false;  // counted in the hub's per-user table (WorkerHub only)
  bool holds_cluster_slot = false;  // counted by the hub's NodeRegistry (WorkerHub only)
  bool admitting = false;           // waiting for the NodeRegistry's answer

 private:
  void handle(const ClientCommand& command);
  void handle_connect(const ClientCommand& command);
  void handle_refresh(const ClientCommand& command);
  void handle_application(const ClientCommand& command);
  bool require_connected(const ClientCommand& command);
  void schedule_token_expiry();
  static void on_connect_deadline(net::TimerNode* node);
  static void on_refresh_due(net::TimerNode* node);
  static void on_token_expired(net::TimerNode* node);
  bool within_rate(std::optional<uint64_t> request_id);

  WorkerHub& hub_;
  Peer& peer_;
  uint64_t local_id_;
  Encoding encoding_;
  std::chrono::system_clock::time_point connected_at_ = std::chrono::system_clock::now();
  bool connected_ = false;
  bool disconnecting_ = false;
  ClientInfo info_;
  // Allocated only for an authenticated connection: an anonymous one does not carry the
  // 104 bytes of an empty Credentials (idle memory budget, docs/performance.md).
  std::unique_ptr<Credentials> credentials_;
  RequestRateLimit rate_limit_;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
};

}  // namespace wshub::hub
