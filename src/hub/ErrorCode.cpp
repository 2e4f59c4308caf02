#include "hub/ErrorCode.h"

namespace wshub::hub {

// Defaults for the `message` of an error reply when the code says it all; call sites
// that know more (which field, which limit) send their own text instead.
std::string_view error_message(ErrorCode c) {
  switch (c) {
    case ErrorCode::internal:
      return "internal error";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::unknown_channel:
      return "unknown channel namespace";
    case ErrorCode::permission_denied:
      return "permission denied";
    case ErrorCode::unknown_type:
      return "unknown message type";
    case ErrorCode::already_subscribed:
      return "already subscribed";
    case ErrorCode::limit_exceeded:
      return "limit exceeded";
    case ErrorCode::bad_request:
      return "bad request";
    case ErrorCode::not_available:
      return "not available";
    case ErrorCode::token_expired:
      return "token expired";
    case ErrorCode::not_subscribed:
      return "not subscribed";
    case ErrorCode::too_many_requests:
      return "too many requests";
    case ErrorCode::backend_error:
      return "backend error";
    case ErrorCode::unavailable:
      return "temporarily unavailable";
    case ErrorCode::not_connected:
      return "not connected";
  }
  return "unknown error";
}

}  // namespace wshub::hub
