#pragma once
// A response received by the HTTP client (the back-end's answer), owning its bytes: it outlives the
// connection it arrived on and is handed to the request's callback.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshub::http {

struct HttpResponse {
  int status = 0;            // 200..599 (1xx interim responses are skipped, 101 is an error)
  std::string content_type;  // the Content-Type value, or empty
  std::string body;          // de-chunked
  // Every header field in order, names as sent, values without surrounding whitespace. Short names and
  // values fit std::string's inline buffer, so a typical response costs a handful of allocations.
  std::vector<std::pair<std::string, std::string>> headers;

  // First header with this name, compared case-insensitively; empty when absent.
  std::string_view header(std::string_view name) const;
};

}  // namespace wshub::http
