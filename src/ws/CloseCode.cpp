#include "ws/CloseCode.h"

namespace wshub::ws {

bool is_valid_received_close_code(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

std::string_view close_code_name(uint16_t code) {
  switch (code) {
    case close_code::normal:
      return "normal";
    case close_code::going_away:
      return "going_away";
    case close_code::protocol_error:
      return "protocol_error";
    case close_code::unsupported_data:
      return "unsupported_data";
    case close_code::no_status:
      return "no_status";
    case close_code::abnormal:
      return "abnormal";
    case close_code::invalid_payload:
      return "invalid_payload";
    case close_code::policy_violation:
      return "policy_violation";
    case close_code::message_too_big:
      return "message_too_big";
    case close_code::mandatory_extension:
      return "mandatory_extension";
    case close_code::internal_error:
      return "internal_error";
    case close_code::service_restart:
      return "service_restart";
    case close_code::try_again_later:
      return "try_again_later";
    case close_code::bad_gateway:
      return "bad_gateway";
    case close_code::tls_handshake:
      return "tls_handshake";
    default:
      return code >= 3000 && code <= 4999 ? "application" : "unknown";
  }
}

}  // namespace wshub::ws
