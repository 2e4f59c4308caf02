#pragma once
// Sans-IO HTTP/1.1 request parser (RFC 9112) over libhttp-parser.
//
// The caller owns the receive buffer: it appends what the socket delivered and calls parse() with everything
// received so far for this request, starting at the request's first byte. The parser remembers how many bytes
// it has already fed to http_parser and only feeds the new tail, so byte-at-a-time input costs O(n) in total.
// Because the caller's buffer may be reallocated between calls, positions are kept as offsets, never
// pointers, and turned into string_views only when the request completes.
//
// Everything that decides how long a message is (the request smuggling surface: Content-Length vs
// Transfer-Encoding, duplicate lengths, unknown codings) is checked here, once, before any body byte is
// accepted, and a request is either complete with one unambiguous length or an error.
//
// Memory is bounded: header bytes by max_header_bytes, a Content-Length body by max_body_bytes, and a chunked
// body, whose framing can be inflated with chunk extensions and trailers that http_parser does not bound, by
// max_header_bytes + 2 * max_body_bytes on the wire. The caller may therefore size its buffer from the
// limits.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/HeaderSectionScanner.h"
#include "http/Request.h"

struct http_parser;  // libhttp-parser; kept out of this header so its C macros and enums stay private

namespace wshub::http {

struct ParserLimits {
  size_t max_header_bytes = 8192;  // request line + headers + the blank line
  size_t max_headers = 64;         // header lines (and, separately, trailer lines)
  size_t max_body_bytes = 1 << 20;
};

enum class ParseStatus { need_more, complete, error };

struct ParseResult {
  ParseStatus status;
  size_t consumed = 0;           // on complete: the length of this request; pipelined bytes follow it
  int http_status = 0;           // on error: 400, 413, 414, 431, 501 or 505; respond and close the connection
  std::string_view reason = {};  // on error: short, static, for logs and metrics
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // `data` holds all bytes received so far for this request, starting at its first byte; it must begin with
  // the bytes passed to the previous call. After complete or error, further calls return the same result
  // until reset(). A request carrying an Upgrade header completes at the end of its headers (a body on it is
  // an error): the bytes after `consumed` belong to the upgraded protocol.
  ParseResult parse(std::span<const char> data);

  // Valid after parse() returned complete, while `data` is unchanged and until reset().
  const Request& request() const { return request_; }

  // Prepares for the next request on a keep-alive connection (the caller drops `consumed` bytes first).
  void reset();

  struct Callbacks;  // the http_parser callbacks, defined in the .cpp

 private:
  // A run of the caller's buffer. `offset` stays kUnset until the first piece arrives, so that an empty first
  // piece (an empty header value) still anchors the run and a later, distant piece is seen as a break.
  static constexpr size_t kUnset = SIZE_MAX;
  struct Span {
    size_t offset = kUnset;
    size_t length = 0;
  };
  struct HeaderSpan {
    Span name, value;
  };
  enum class LastCallback { none, url, field, value };

  // Records a protocol error found inside a callback; the callback then returns nonzero to stop http_parser.
  int fail(int http_status, std::string_view reason);
  // Appends a piece delivered by http_parser to `span`; false when it does not continue the previous piece
  // (http_parser re-marks a field after an obs-fold line break, RFC 9112 §5.2, which we reject).
  bool extend(Span& span, const char* at, size_t length);
  int check_headers();
  // Feeds data[fed_, end) to http_parser; false when the request completed or failed (result_ is set).
  bool feed(std::span<const char> data, size_t end);
  // Scans and feeds the header section; true once it is complete and the body (if any) may follow.
  bool parse_header_section(std::span<const char> data);
  // Validates the chunk framing bytes between framing_checked_ and `upto` (see ChunkFraming.h).
  bool check_chunk_gap(size_t upto, bool is_last);
  void materialize(const char* base);
  std::string_view view(const char* base, Span s) const {
    return s.length == 0 ? std::string_view() : std::string_view(base + s.offset, s.length);
  }

  ParserLimits limits_;
  std::unique_ptr<http_parser> parser_;
  const char* base_ = nullptr;  // data.data() of the parse() call in progress
  size_t fed_ = 0;              // bytes already given to http_parser
  HeaderSectionScanner scanner_;
  ParseResult result_{ParseStatus::need_more};
  int error_status_ = 0;
  std::string_view error_reason_;

  Span target_, path_, query_;
  std::vector<HeaderSpan> headers_;
  LastCallback last_ = LastCallback::none;
  bool headers_done_ = false;
  bool message_done_ = false;
  bool chunked_ = false;
  bool keep_alive_ = true;
  size_t trailer_lines_ = 0;
  size_t framing_checked_ = 0;  // chunked: bytes before this offset are validated framing or data
  Span body_;                   // Content-Length body, in the caller's buffer
  std::string chunked_body_;    // de-chunked body; capacity kept across reset()
  Request request_;
};

}  // namespace wshub::http
