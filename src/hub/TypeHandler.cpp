#include "hub/TypeHandler.h"

namespace wshub::hub {

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (deliver_) deliver_(std::nullopt, Error{code(ErrorCode::internal), "handler gave no answer"});
    deliver_ = std::move(other.deliver_);
    other.deliver_ = nullptr;
  }
  return *this;
}

Responder::~Responder() {
  if (deliver_) deliver_(std::nullopt, Error{code(ErrorCode::internal), "handler gave no answer"});
}

void Responder::reply(Payload payload) {
  if (!deliver_) return;
  Deliver deliver = std::move(deliver_);
  deliver_ = nullptr;
  deliver(std::move(payload), std::nullopt);
}

void Responder::fail(ErrorCode c, std::string message) {
  if (!deliver_) return;
  Deliver deliver = std::move(deliver_);
  deliver_ = nullptr;
  deliver(std::nullopt, Error{code(c), std::move(message)});
}

}  // namespace wshub::hub
