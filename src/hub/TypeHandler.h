#pragma once
// Routing by type: an application message (any `type` that is not reserved) goes to the
// handler registered for its type; the handler's answer becomes
// {"type":"reply","id":..,"payload":..}. The embedding application registers C++
// handlers (Hub::on); the standalone server registers one that POSTs to a back-end.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/ErrorCode.h"
#include "hub/Publication.h"
#include "hub/Result.h"

namespace wshub::hub {

struct MessageContext {
  std::string_view client;  // connection id
  std::string_view user;    // empty for anonymous connections
  std::string_view type;
  Encoding encoding;        // of `payload` (the client's subprotocol)
  std::string_view payload; // one encoded value; empty when the message had none
  unsigned worker = 0;      // index of the worker thread running the handler
};

// The answer to one application message. Move-only; answer at most once, from any
// thread, now or later (a back-end call). Dropping it unanswered replies with an
// internal error, so a client never waits forever.
class Responder {
 public:
  using Deliver = std::function<void(std::optional<Payload> payload, std::optional<Error> error)>;
  Responder() = default;
  explicit Responder(Deliver deliver) : deliver_(std::move(deliver)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void reply(Payload payload);  // payload.bytes empty: a reply without payload
  void fail(ErrorCode code, std::string message);

 private:
  Deliver deliver_;
};

using TypeHandler = std::function<void(const MessageContext& context, Responder responder)>;

}  // namespace wshub::hub
