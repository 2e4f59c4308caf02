#include "http/HttpClientError.h"

namespace wshub::http {

std::string_view to_string(HttpClientErrorKind kind) {
  switch (kind) {
    case HttpClientErrorKind::connect_failed:
      return "connect_failed";
    case HttpClientErrorKind::timeout:
      return "timeout";
    case HttpClientErrorKind::bad_response:
      return "bad_response";
    case HttpClientErrorKind::too_large:
      return "too_large";
    case HttpClientErrorKind::overloaded:
      return "overloaded";
    case HttpClientErrorKind::connection_lost:
      return "connection_lost";
    case HttpClientErrorKind::invalid_request:
      return "invalid_request";
    case HttpClientErrorKind::closed:
      return "closed";
  }
  return "unknown";
}

}  // namespace wshub::http
