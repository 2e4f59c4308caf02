#pragma once
// Sans-IO HTTP/1.x response parser (RFC 9112) over libhttp-parser, for the HTTP client.
//
// The caller feeds each read as it arrives; unlike RequestParser (which works on the server's own receive
// buffer), this parser keeps what it needs, so the client reads every connection into one shared buffer:
//   - the header section is collected in `head_` (at most max_header_bytes + 1 bytes) until
//     HeaderSectionScanner finds its end, and only then given to http_parser, in one piece;
//   - body bytes go straight from the caller's span to http_parser and into the response body.
// The outcome never depends on how the input was split (the fuzz target checks this against one whole feed):
// http_parser is a byte-wise state machine, the scanner sees the whole header section before http_parser
// does, and the limits below trip at fixed stream positions.
//
// Why the strictness of RequestParser on a client: a pooled connection carries many exchanges, and a
// response framed differently than the server meant (a lenient CR, a bare "Transfer-Encoding: gzip") would
// hand the tail of one response to the next request. So the same rules apply: bare CR and obs-fold are
// errors, exactly one of Content-Length or "Transfer-Encoding: chunked" frames a body (or neither: the body
// runs until the server closes), and chunk framing is validated byte for byte (ChunkFraming.h).
//
// Message semantics (RFC 9112 §6.3): 1xx interim responses are skipped (101 is an error, we never ask to
// upgrade); 204 and 304 have no body whatever their headers say; HTTP/1.0 and 1.1 are accepted.
//
// Memory is bounded: the header section by max_header_bytes, the body by max_body_bytes (a Content-Length or
// a chunk size over the limit is refused before its bytes arrive), and the framing between two chunks' data
// (chunk extensions, trailers) by max_header_bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/HeaderSectionScanner.h"
#include "http/HttpResponse.h"

struct http_parser;  // libhttp-parser; kept out of this header so its C macros and enums stay private

namespace wshub::http {

struct ResponseLimits {
  size_t max_header_bytes = 16384;  // status line + headers + blank line, per message (1xx counted apart)
  size_t max_headers = 100;         // header lines, and separately trailer lines
  size_t max_body_bytes = 1 << 20;
};

class ResponseParser {
 public:
  enum class Status : uint8_t {
    need_more,
    complete,
    malformed,  // not a valid response: close the connection
    too_large,  // a limit was exceeded: close the connection
  };
  struct Result {
    Status status;
    // Bytes of this call's input that belong to the response. On complete, bytes after them are not part of
    // it (a server must not send anything before our next request: the caller should not reuse the
    // connection). On need_more, all of the input.
    size_t consumed = 0;
    std::string_view reason = {};  // on malformed / too_large: short, static, for logs
  };

  explicit ResponseParser(ResponseLimits limits = {});
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Feeds the next bytes of the stream. After complete or an error, further calls return the same status with
  // consumed == 0 until reset().
  Result feed(std::span<const char> bytes);
  // The server closed the connection (end of stream). Completes a body that runs until close; anything else
  // still incomplete is malformed (truncated). Idempotent like feed().
  Result finish();

  // Whether any byte was fed since the last reset(), interim responses included: a request whose connection
  // died before this became true may be retried (see HttpClient).
  bool started() const { return started_; }

  // After complete: the response (the caller may move from it) and whether the connection may carry another
  // request (HTTP/1.1 without "Connection: close", HTTP/1.0 with "keep-alive", never after a body that ran
  // until the connection closed).
  HttpResponse& response() { return response_; }
  const HttpResponse& response() const { return response_; }
  bool keep_alive() const { return keep_alive_ && !until_close_; }

  // Prepares for the next response on the same connection; keeps buffer capacity.
  void reset();

  struct Callbacks;  // the http_parser callbacks, defined in the .cpp

 private:
  enum class LastCallback : uint8_t { none, field, value };

  void start_message();  // per-message state; reset() also clears the result
  int fail(Status status, std::string_view reason);
  void set_result(Status status, std::string_view reason) { result_ = {status, 0, reason}; }
  // Collects header bytes from bytes[used..]; returns true once the header section was given to http_parser
  // (a 1xx was skipped, the message completed, or its body follows), false when it needs more or failed.
  bool parse_head(std::span<const char> bytes, size_t& used);
  // Feeds body bytes from bytes[used..] (at most to the point where the framing limit could trip).
  void parse_body(std::span<const char> bytes, size_t& used);
  int check_headers();
  // Validates the framing from the last chunk data (gap_, then cursor_) up to `upto`: the start of the next
  // data, or with `is_last` the end of the message.
  bool chunk_gap_ok(const char* upto, bool is_last);

  ResponseLimits limits_;
  std::unique_ptr<http_parser> parser_;
  Result result_{Status::need_more};
  Status error_status_ = Status::need_more;  // set by a callback that stopped http_parser
  std::string_view error_reason_;
  bool started_ = false;

  // Per message (a 1xx and the final response are separate messages).
  std::string head_;
  HeaderSectionScanner scanner_;
  bool in_head_ = false;       // http_parser is executing over head_
  bool headers_done_ = false;  // the header section was accepted; body or trailer bytes follow
  bool message_done_ = false;
  bool interim_ = false;  // 1xx: skipped once complete
  bool chunked_ = false;
  bool until_close_ = false;  // neither Content-Length nor chunked: the body ends when the server closes
  bool keep_alive_ = false;
  LastCallback last_ = LastCallback::none;
  size_t trailer_lines_ = 0;
  // Chunked bodies: framing bytes since the last piece of chunk data (or the header section), validated
  // whole by is_valid_chunk_gap when the next data or the end arrives. `cursor_` is where the current
  // http_parser_execute call's framing starts.
  std::string gap_;
  bool after_data_ = false;
  const char* cursor_ = nullptr;

  HttpResponse response_;
};

}  // namespace wshub::http
