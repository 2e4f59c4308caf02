#include "wshub/client/Client.h"

#include "ClientImpl.h"

namespace wshub::client {

Client::Client(net::EventLoop& loop, ClientOptions options)
    : impl_(std::make_unique<ClientImpl>(loop, std::move(options))) {}
Client::~Client() = default;

void Client::set_state_handlers(StateHandlers handlers) {
  impl_->state_handlers = std::move(handlers);
}
void Client::connect() {
  impl_->connect();
}
void Client::disconnect() {
  impl_->disconnect();
}
bool Client::connected() const {
  return impl_->connected();
}

void Client::subscribe(const std::string& channel, SubscriptionHandlers handlers,
                       std::string subscribe_token) {
  impl_->subscribe(channel, std::move(handlers), std::move(subscribe_token));
}

void Client::unsubscribe(const std::string& channel, std::function<void(const Error&)> done) {
  impl_->unsubscribe(channel, std::move(done));
}

void Client::publish(const std::string& channel, const std::string& payload_json,
                     std::function<void(const Error&, uint64_t)> done, const std::string& message_type) {
  impl_->send_request([&](uint64_t id) { return build_publish(id, channel, payload_json, message_type); },
                      [done = std::move(done)](const Error& e, const ServerMessage* m) {
                        if (done) done(e, m != nullptr && m->has_offset ? m->offset : 0);
                      });
}

void Client::presence(const std::string& channel,
                      std::function<void(const Error&, const std::vector<ClientInfo>&)> done) {
  impl_->send_request([&](uint64_t id) { return build_channel_request("presence", id, channel); },
                      [done = std::move(done)](const Error& e, const ServerMessage* m) {
                        static const std::vector<ClientInfo> none;
                        if (done) done(e, m != nullptr && !e ? m->clients : none);
                      });
}

void Client::presence_stats(const std::string& channel,
                            std::function<void(const Error&, const PresenceStats&)> done) {
  impl_->send_request([&](uint64_t id) { return build_channel_request("presence_stats", id, channel); },
                      [done = std::move(done)](const Error& e, const ServerMessage* m) {
                        PresenceStats stats;
                        if (m != nullptr && !e) stats = {m->num_clients, m->num_users};
                        if (done) done(e, stats);
                      });
}

void Client::history(const std::string& channel, std::function<void(const Error&, const HistoryResult&)> done,
                     uint64_t limit, uint64_t since_offset, const std::string& since_epoch, bool reverse) {
  const Recover since{since_offset, since_epoch};
  impl_->send_request(
      [&](uint64_t id) {
        return build_history(id, channel, limit, since_epoch.empty() ? nullptr : &since, reverse);
      },
      [done = std::move(done)](const Error& e, const ServerMessage* m) {
        HistoryResult result;
        if (m != nullptr && !e) result = {m->publications, m->offset, m->epoch};
        if (done) done(e, result);
      });
}

void Client::request(const std::string& type, const std::string& payload_json,
                     std::function<void(const Error&, const std::string&)> done) {
  impl_->send_request([&](uint64_t id) { return build_request(type, id, payload_json); },
                      [done = std::move(done)](const Error& e, const ServerMessage* m) {
                        if (done) done(e, m != nullptr && !e ? m->payload_json : std::string());
                      });
}

void Client::on(const std::string& type, std::function<void(const std::string&)> handler) {
  impl_->push_handlers[type] = std::move(handler);
}

}  // namespace wshub::client
