#pragma once
// The server API's methods (docs/server-api.md), independent of HTTP: back-end services
// publish, send to users, steer users' subscriptions, and read presence, history and
// node state. Each method validates, calls the hub (which may call the broker), and
// completes with the JSON text of its result or an error with a stable code.
//
// Threads: execute() may be called from any thread; `done` runs exactly once, on any
// thread, possibly before execute() returns.
#include <functional>
#include <memory>
#include <string>

#include "api/ApiCommand.h"
#include "api/NodeInfo.h"
#include "hub/Hub.h"
#include "hub/Result.h"

namespace wshub::api {

using MethodDone = std::function<void(hub::Result<std::string>)>;

class ServerApi {
 public:
  // `info` lists the nodes of `registry` (the whole cluster), which outlives the API.
  ServerApi(hub::Hub& hub, hub::NodeRegistry& registry) : hub_(hub), registry_(&registry) {}
  // A node on its own: `info` lists this node, from `info`.
  ServerApi(hub::Hub& hub, NodeInfoSource info);
  ~ServerApi();

  void execute(ApiCommand command, MethodDone done);

 private:
  void publish(PublishParams& p, MethodDone done);
  void broadcast(BroadcastParams& p, MethodDone done);
  void send(SendParams& p, MethodDone done);
  void subscribe(UserChannelParams& p, bool subscribe, MethodDone done);
  void disconnect(DisconnectParams& p, MethodDone done);
  void presence(ChannelParams& p, MethodDone done);
  void presence_stats(ChannelParams& p, MethodDone done);
  void history(HistoryParams& p, MethodDone done);
  void history_remove(ChannelParams& p, MethodDone done);
  void channels(ChannelsParams& p, MethodDone done);
  void info(MethodDone done);
  void connections(ConnectionsParams& p, MethodDone done);
  void batch(BatchParams& p, MethodDone done);
  static hub::Completion<hub::Unit> empty_result(MethodDone done);

  hub::Hub& hub_;
  std::unique_ptr<hub::NodeRegistry> own_registry_;  // the single-node constructor's
  hub::NodeRegistry* registry_;
};

}  // namespace wshub::api
