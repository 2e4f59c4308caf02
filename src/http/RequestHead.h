#pragma once
// The request line and header section the HTTP client sends (RFC 9112 §3, §5), and the checks that keep
// caller-supplied parts from changing the message's framing.
//
// Every field is written verbatim, so a CR or LF in a path, a content type or an extra header would let its
// author add headers or a second request (request splitting). check_request_fields() refuses those before
// anything is queued; format_request_head() assumes they passed.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace wshub::http {

using HeaderList = std::span<const std::pair<std::string, std::string>>;

// Empty when the fields can be sent; otherwise a short, static reason. Refused:
//   - a path that is not origin-form ("/..." of printable ASCII without spaces);
//   - control characters (other than HTAB) in the content type or a header value;
//   - a header name that is not a token, or one the client writes itself (Host, Content-Length,
//     Content-Type, Connection, Transfer-Encoding): a second copy would make the framing ambiguous.
std::string_view check_request_fields(std::string_view path, std::string_view content_type, HeaderList extra);

// "POST /path HTTP/1.1", Host, Content-Type (omitted when empty), Content-Length, "Connection: keep-alive",
// then `extra` in order, then the empty line.
std::string format_request_head(std::string_view method, std::string_view path, std::string_view host,
                                std::string_view content_type, size_t content_length, HeaderList extra);

}  // namespace wshub::http
