#pragma once
// One parsed HTTP/1.1 request (RFC 9112). Produced by RequestParser; every view points into the caller's
// receive buffer (or, for a chunked body, into the parser), so a Request is valid only while that buffer is
// unchanged and the parser is neither reset nor destroyed.
#include <string>
#include <string_view>
#include <vector>

namespace wshub::http {

struct Header {
  std::string_view name;
  std::string_view value;  // without leading/trailing OWS
};

struct Request {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target "/path?x=1"
  std::string_view path;    // "/path" (no query)
  std::string_view query;   // "x=1" (no '?')
  int version_major = 1, version_minor = 1;
  std::vector<Header> headers;  // in order; views into the caller's buffer
  std::string_view body;        // Content-Length body (a view) or de-chunked body (in the parser's buffer)
  bool keep_alive = true;       // per HTTP/1.1 rules and the Connection header (RFC 9112 §9.3)

  // First header with this name, compared case-insensitively; empty when absent.
  std::string_view header(std::string_view name) const;
  // All values of a repeated header joined with ", " (RFC 9110 §5.3), for token lists.
  std::string header_list(std::string_view name) const;
  // How many header lines carry this name (to reject duplicates where the RFC requires one).
  size_t header_count(std::string_view name) const;
};

}  // namespace wshub::http
