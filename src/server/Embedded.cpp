// The public embedding API (include/wshub/wshub.h) over server::Node.
#include <stdexcept>

#include "hub/PayloadConversion.h"
#include "server/ConfigLoader.h"
#include "server/Node.h"
#include "wshub/wshub.h"

namespace wshub {

struct Reply::Impl {
  hub::Responder responder;
};

Reply::Reply(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reply::Reply(Reply&&) noexcept = default;
Reply& Reply::operator=(Reply&&) noexcept = default;
Reply::~Reply() = default;

void Reply::send(std::string_view json_payload) {
  if (impl_) impl_->responder.reply(hub::Payload{hub::Encoding::json, std::string(json_payload)});
}

void Reply::fail(uint32_t code, std::string_view message) {
  if (impl_) impl_->responder.fail(static_cast<hub::ErrorCode>(code), std::string(message));
}

struct Hub::Impl {
  std::unique_ptr<server::Node> node;
};

Hub::Hub(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hub::~Hub() = default;

std::unique_ptr<Hub> Hub::create(std::string_view toml_config, bool dev) {
  server::Config config;
  try {
    if (dev) server::apply_dev_mode(config);
    server::load_config_text(toml_config, "embedded config", config);
    server::validate(config);
    auto impl = std::make_unique<Impl>();
    impl->node = std::make_unique<server::Node>(std::move(config));
    return std::unique_ptr<Hub>(new Hub(std::move(impl)));
  } catch (const server::ConfigError& e) {
    throw std::runtime_error(e.what());
  } catch (const server::StartupError& e) {
    throw std::runtime_error(e.what());
  }
}

void Hub::on(std::string type, Handler handler) {
  impl_->node->on(std::move(type), [handler = std::move(handler)](const hub::MessageContext& c, hub::Responder r) {
    std::string json;
    std::string_view payload = c.payload;
    if (c.encoding != hub::Encoding::json && !payload.empty()) {
      // The embedding API speaks JSON; a MessagePack client's payload is converted.
      if (hub::convert_payload(c.encoding, payload, hub::Encoding::json, json).ok()) payload = json;
    }
    Message message{c.client, c.user, c.type, payload};
    handler(message, Reply(std::make_unique<Reply::Impl>(Reply::Impl{std::move(r)})));
  });
}

void Hub::start() { impl_->node->start(); }
void Hub::stop() { impl_->node->shutdown(); }
void Hub::wait() { impl_->node->wait(); }
uint16_t Hub::port() const { return impl_->node->port(); }

void Hub::publish(const std::string& channel, const std::string& type, std::string_view json_payload,
                  std::function<void(std::optional<Position>, std::optional<Failure>)> done) {
  hub::Publication publication;
  publication.channel = channel;
  publication.type = type;
  publication.payload = hub::Payload{hub::Encoding::json, std::string(json_payload)};
  impl_->node->hub().publish(std::move(publication), [done = std::move(done)](hub::Result<hub::StreamPosition> r) {
    if (!done) return;
    if (r.ok()) return done(Position{r->offset, r->epoch}, std::nullopt);
    done(std::nullopt, Failure{r.error().code, r.error().message});
  });
}

void Hub::send_to_user(const std::string& user, const std::string& type, std::string_view json_payload) {
  send_to_user(user, type, json_payload, {});
}

void Hub::send_to_user(const std::string& user, const std::string& type, std::string_view json_payload,
                       std::function<void(std::optional<Failure>)> done) {
  hub::Publication message;
  message.type = type;
  message.payload = hub::Payload{hub::Encoding::json, std::string(json_payload)};
  impl_->node->hub().send_to_user(user, std::move(message),
                                  [done = std::move(done)](hub::Result<hub::Unit> r) {
                                    if (!done) return;
                                    if (r.ok()) return done(std::nullopt);
                                    done(Failure{r.error().code, r.error().message});
                                  });
}

void Hub::presence(const std::string& channel,
                   std::function<void(std::vector<PresenceEntry>, std::optional<Failure>)> done) {
  impl_->node->hub().presence(channel, [done = std::move(done)](hub::Result<std::vector<hub::ClientInfo>> r) {
    if (!r.ok()) return done({}, Failure{r.error().code, r.error().message});
    std::vector<PresenceEntry> entries;
    for (hub::ClientInfo& c : *r) entries.push_back({std::move(c.client), std::move(c.user), std::move(c.info)});
    done(std::move(entries), std::nullopt);
  });
}

}  // namespace wshub
