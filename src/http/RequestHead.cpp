#include "http/RequestHead.h"

#include "http/Ascii.h"

namespace wshub::http {

namespace {

// field-value (RFC 9110 §5.5): visible characters, obs-text, SP and HTAB; never CR, LF or NUL.
bool is_field_value(std::string_view value) {
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool is_origin_form(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (char c : path) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string_view check_request_fields(std::string_view path, std::string_view content_type,
                                      HeaderList extra) {
  if (!is_origin_form(path)) return "path must be origin-form printable ASCII";
  if (!is_field_value(content_type)) return "control character in content type";
  for (const auto& [name, value] : extra) {
    if (!is_token(name)) return "header name is not a token";
    for (std::string_view own :
         {"Host", "Content-Length", "Content-Type", "Connection", "Transfer-Encoding"}) {
      if (iequals(name, own)) return "header is set by the client";
    }
    if (!is_field_value(value)) return "control character in header value";
  }
  return {};
}

std::string format_request_head(std::string_view method, std::string_view path, std::string_view host,
                                std::string_view content_type, size_t content_length, HeaderList extra) {
  std::string out;
  out.reserve(128 + path.size() + host.size() + content_type.size());
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  if (!content_type.empty()) out.append("Content-Type: ").append(content_type).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n");
  // Explicit although it is HTTP/1.1's default: some HTTP/1.0-era servers and proxies only keep a
  // connection open when asked.
  out.append("Connection: keep-alive\r\n");
  for (const auto& [name, value] : extra) out.append(name).append(": ").append(value).append("\r\n");
  out.append("\r\n");
  return out;
}

}  // namespace wshub::http
