#pragma once
// How an HTTP client request ends: a response, or an error saying why there is none. Each error kind says
// what the caller may do about it; the message is for logs and never parsed.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/HttpResponse.h"

namespace wshub::http {

enum class HttpClientErrorKind : uint8_t {
  connect_failed,   // TCP connect refused, unreachable, or no socket available (EMFILE)
  timeout,          // no complete response within the request timeout (queueing, connect, write, read)
  bad_response,     // not a valid HTTP/1.x response, or cut short by the server closing the connection
  too_large,        // the body exceeds max_response_size (or the header section its fixed limit)
  overloaded,       // every connection to the origin is busy and its wait queue is full: not sent at all
  connection_lost,  // reset or closed before any byte of the response arrived (after the one retry, if any)
  invalid_request,  // refused before sending: a path, content type or header that could break the framing
  closed,           // the client was closed (HttpClient::close()) before the request completed
};

struct HttpClientError {
  HttpClientErrorKind kind;
  std::string message;
};

// "connect_failed", "timeout", ...: stable names for metrics and logs.
std::string_view to_string(HttpClientErrorKind kind);

// How a request ends: exactly one of `response` and `error` is non-null. Both objects live only during the
// call; the callee may move from *response (the body is not copied on the way), which is why it is not const.
// A callback taking `const HttpResponse*` binds as well.
using HttpClientCallback = std::function<void(HttpResponse* response, const HttpClientError* error)>;

}  // namespace wshub::http
