#include "server/NatsIngest.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "api/ApiCommandParser.h"
#include "api/HttpApi.h"
#include "hub/ErrorCode.h"

namespace wshub::server {

// Shared with libnats' threads and with completions of commands still running. `api` and
// `connection` are used only between an in_flight increment and its decrement while
// `stopped` is false; the destructor sets `stopped`, then waits for in_flight to drop.
struct NatsIngest::State {
  api::ServerApi* api = nullptr;
  natsConnection* connection = nullptr;
  natsSubscription* subscription = nullptr;
  std::string subject;
  std::atomic<bool> stopped{false};
  std::atomic<int> in_flight{0};

  template <typename F>
  void guarded(F&& f) {
    in_flight.fetch_add(1);
    if (!stopped.load()) f();
    in_flight.fetch_sub(1);
  }
};

namespace {

using Keep = std::shared_ptr<NatsIngest::State>;

std::string error_json(const hub::Error& error) {
  const std::string_view message = error.message.empty()
                                       ? hub::error_message(static_cast<hub::ErrorCode>(error.code))
                                       : std::string_view(error.message);
  return api::error_body(error.code, message);
}

void answer(NatsIngest::State& state, const std::string& reply, const std::string& json) {
  if (reply.empty()) return;
  natsStatus s = natsConnection_PublishString(state.connection, reply.c_str(), json.c_str());
  if (s != NATS_OK) spdlog::warn("ingest: nats: reply to {} not sent: {}", reply, natsStatus_GetText(s));
}

void on_command(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  const Keep& keep = *static_cast<Keep*>(closure);
  const std::string_view body(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  const std::string reply = natsMsg_GetReply(msg) ? natsMsg_GetReply(msg) : "";
  keep->guarded([&] {
    hub::Result<api::ApiCommand> command = api::parse_api_command(api::Method::publish, body);
    if (!command) {
      spdlog::warn("ingest: nats: {}: refused: {}", keep->subject, command.error().message);
      return answer(*keep, reply, error_json(command.error()));
    }
    keep->api->execute(std::move(*command), [keep, reply](hub::Result<std::string> result) {
      keep->guarded([&] {
        if (result) {
          spdlog::debug("ingest: nats: {}: published", keep->subject);
          return answer(*keep, reply, *result);
        }
        spdlog::warn("ingest: nats: {}: publish failed: {} ({})", keep->subject, result.error().message,
                     result.error().code);
        answer(*keep, reply, error_json(result.error()));
      });
    });
  });
  natsMsg_Destroy(msg);
}

void on_subscription_complete(void* closure) {
  delete static_cast<Keep*>(closure);
}

void on_closed(natsConnection*, void* closure) {
  delete static_cast<Keep*>(closure);
}

void on_connected(natsConnection*, void* closure) {
  const Keep& keep = *static_cast<Keep*>(closure);
  if (!keep->stopped.load()) spdlog::info("ingest: nats: connected; consuming {}", keep->subject);
}

void on_disconnected(natsConnection*, void* closure) {
  const Keep& keep = *static_cast<Keep*>(closure);
  if (!keep->stopped.load()) spdlog::warn("ingest: nats: disconnected; reconnecting");
}

void check(natsStatus s, const char* what) {
  if (s != NATS_OK)
    throw std::runtime_error(std::string("ingest: nats: ") + what + ": " + natsStatus_GetText(s));
}

}  // namespace

NatsIngest::NatsIngest(NatsIngestOptions options, api::ServerApi& api) : state_(std::make_shared<State>()) {
  state_->api = &api;
  state_->subject = options.subject;
  check(nats_Open(-1), "initialising libnats");
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "options");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> owned(opts, natsOptions_Destroy);
  auto* events = new Keep(state_);  // released by the closed callback
  natsStatus s = natsOptions_SetURL(opts, options.url.c_str());
  if (s == NATS_OK && !options.user.empty())
    s = natsOptions_SetUserInfo(opts, options.user.c_str(), options.password.c_str());
  if (s == NATS_OK && !options.token.empty()) s = natsOptions_SetToken(opts, options.token.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(opts, "wshub-ingest");
  if (s == NATS_OK) s = natsOptions_SetWriteDeadline(opts, 2000);  // replies never wait longer
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 500);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, events);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, events);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts, on_closed, events);
  if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(opts, true);
  if (s == NATS_OK) {
    s = natsConnection_Connect(&state_->connection, opts);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;
  }
  if (s != NATS_OK) {
    delete events;
    check(s, "connecting");
  }
  auto* closure = new Keep(state_);  // released when the subscription's last callback returned
  // No queue group: every node handles every command (nodes of separate clusters).
  s = options.queue_group.empty()
          ? natsConnection_Subscribe(&state_->subscription, state_->connection, options.subject.c_str(),
                                     on_command, closure)
          : natsConnection_QueueSubscribe(&state_->subscription, state_->connection, options.subject.c_str(),
                                          options.queue_group.c_str(), on_command, closure);
  if (s == NATS_OK)
    s = natsSubscription_SetOnCompleteCB(state_->subscription, on_subscription_complete, closure);
  if (s != NATS_OK) {
    if (!state_->subscription) delete closure;
    natsSubscription_Destroy(state_->subscription);
    natsConnection_Destroy(state_->connection);
    check(s, "subscribing");
  }
  // Connected at once: one round trip so that the server has the subscription when the
  // node reports ready (start-up, so a short wait is fine).
  if (natsConnection_Status(state_->connection) == NATS_CONN_STATUS_CONNECTED)
    natsConnection_FlushTimeout(state_->connection, 2000);
  spdlog::info("ingest: nats: publish commands from subject {} (queue group {})", options.subject,
               options.queue_group);
}

NatsIngest::~NatsIngest() {
  state_->stopped.store(true);
  while (state_->in_flight.load() != 0) std::this_thread::yield();
  natsSubscription_Unsubscribe(state_->subscription);
  natsSubscription_Destroy(state_->subscription);
  natsConnection_Destroy(state_->connection);  // closes it; the closed callback follows
}

}  // namespace wshub::server
