#pragma once
// Node-wide options of the hub, read once at start-up (server/Config maps the [client]
// and [channels] sections onto these).
#include <chrono>
#include <cstddef>
#include <string>

#include "hub/CommandDecoder.h"
#include "hub/Namespace.h"
#include "hub/RequestRateLimit.h"

namespace wshub::hub {

struct HubOptions {
  // Anonymous connections may use namespaces whose access is `anyone` without sending
  // `connect`. When false, every connection must `connect` with a valid token within
  // connect_timeout, and may do nothing else before (4001 / 4005 otherwise).
  bool allow_anonymous = false;
  std::chrono::milliseconds connect_timeout{10'000};
  // Tokens with `exp` (hub/TokenExpiry.h): refresh_required this long before the token's
  // deadline (at most half its remaining life), and 4004 at exp + token_leeway.
  std::chrono::milliseconds refresh_before{30'000};
  std::chrono::milliseconds token_leeway{0};  // auth.leeway: the verifier's allowance on exp

  size_t max_subscriptions = 128;  // per connection -> limit_exceeded
  // Connections of one user on this node (all workers), and on the whole cluster when the
  // hub's NodeRegistry shares user slots (Redis); the extra one is closed with 4029.
  // 0: no limit.
  size_t max_connections_per_user = 0;
  // When the registry cannot be asked (Redis down): admit on this node's own count (true),
  // or refuse the connect with error 113 and close 4501 (false).
  bool user_limit_fail_open = true;
  RequestRatePolicy request_rate;  // per connection -> too_many_requests, then 4029
  DecoderLimits decoder;           // payload size and batch length
  // Presence entries are written with this TTL and refreshed by the node at a third of
  // it, so a crashed node's clients disappear (cluster brokers); 0: no expiry.
  std::chrono::milliseconds presence_ttl{0};
  std::string node_id;  // prefix of client ids; random when empty
  NamespaceTable namespaces;
};

}  // namespace wshub::hub
