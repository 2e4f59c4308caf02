#include "http/RequestParser.h"

#include <http_parser.h>

#include <algorithm>
#include <cassert>
#include <climits>

#include "http/Ascii.h"
#include "http/ChunkFraming.h"
#include "http/TokenList.h"

namespace wshub::http {

namespace {

// http_parser's own numeric limits; see check_headers() for why these do not replace ours.
constexpr size_t kMaxUrlParseLength = 0xffff;  // http_parser_url stores 16-bit offsets

// Maps an http_parser error that no callback of ours raised to a status. Everything that is not a size
// problem is a malformed request: the 501/505/413 decisions are made in our callbacks, which run first.
ParseResult from_http_parser_errno(http_errno e) {
  switch (e) {
    case HPE_HEADER_OVERFLOW:
      return {ParseStatus::error, 0, 431, "header section too large"};
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return {ParseStatus::error, 0, 400, "conflicting message length headers"};
    default:
      return {ParseStatus::error, 0, 400, http_errno_description(e)};
  }
}

}  // namespace

// Static trampolines: http_parser is a C library with a void* context.
struct RequestParser::Callbacks {
  static RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }

  static int on_url(http_parser* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (s.last_ != LastCallback::none && s.last_ != LastCallback::url)
      return s.fail(400, "malformed request line");
    s.last_ = LastCallback::url;
    if (!s.extend(s.target_, at, length)) return s.fail(400, "malformed request line");
    return 0;
  }

  static int on_header_field(http_parser* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    // Counts are checked once the section ends, not here: http_parser calls back at the end of each input
    // piece, so a check here would fire at a split-dependent point and could preempt a syntax error that
    // precedes it in the stream. The byte limits bound the memory meanwhile.
    if (s.headers_done_) {  // a trailer line of a chunked body: counted, then discarded (RFC 9112 §7.1.2)
      if (s.last_ != LastCallback::field) ++s.trailer_lines_;
      s.last_ = LastCallback::field;
      return 0;
    }
    if (s.last_ == LastCallback::field) {
      if (!s.extend(s.headers_.back().name, at, length)) return s.fail(400, "malformed header line");
      return 0;
    }
    s.last_ = LastCallback::field;
    s.headers_.push_back({});
    s.extend(s.headers_.back().name, at, length);
    return 0;
  }

  static int on_header_value(http_parser* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (s.headers_done_) {
      s.last_ = LastCallback::value;
      return 0;
    }
    if (s.last_ == LastCallback::value) {
      // A second piece of the same value that does not continue the first is an obs-fold continuation line.
      if (!s.extend(s.headers_.back().value, at, length)) return s.fail(400, "obsolete line folding");
      return 0;
    }
    if (s.last_ != LastCallback::field) return s.fail(400, "malformed header line");
    s.last_ = LastCallback::value;
    s.extend(s.headers_.back().value, at, length);
    return 0;
  }

  static int on_headers_complete(http_parser* p) {
    RequestParser& s = self(p);
    // http_parser only sees header bytes up to the scanner's end of headers; ending earlier means the two
    // disagree about the header section.
    if (s.scanner_.end() == 0) return s.fail(400, "malformed header section");
    s.headers_done_ = true;
    s.framing_checked_ = s.scanner_.end();
    s.last_ = LastCallback::none;
    return s.check_headers();
  }

  static int on_chunk_header(http_parser* p) {
    // Refuse an oversized chunk from its size line, before its data is buffered.
    RequestParser& s = self(p);
    if (p->content_length > s.limits_.max_body_bytes - s.chunked_body_.size()) {
      return s.fail(413, "body too large");
    }
    return 0;
  }

  static int on_body(http_parser* p, const char* at, size_t length) {
    RequestParser& s = self(p);
    if (s.chunked_) {
      if (!s.check_chunk_gap(static_cast<size_t>(at - s.base_), false))
        return s.fail(400, "malformed chunk framing");
      s.framing_checked_ = static_cast<size_t>(at - s.base_) + length;
      if (length > s.limits_.max_body_bytes - s.chunked_body_.size()) return s.fail(413, "body too large");
      s.chunked_body_.append(at, length);
      return 0;
    }
    if (!s.extend(s.body_, at, length)) return s.fail(400, "malformed body");
    return 0;
  }

  static int on_message_complete(http_parser* p) {
    // Pausing makes http_parser_execute return right after this message, so pipelined bytes stay unparsed.
    self(p).message_done_ = true;
    http_parser_pause(p, 1);
    return 0;
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings s = [] {
      http_parser_settings v;
      http_parser_settings_init(&v);
      v.on_url = on_url;
      v.on_header_field = on_header_field;
      v.on_header_value = on_header_value;
      v.on_headers_complete = on_headers_complete;
      v.on_chunk_header = on_chunk_header;
      v.on_body = on_body;
      v.on_message_complete = on_message_complete;
      return v;
    }();
    return s;
  }
};

RequestParser::RequestParser(ParserLimits limits)
    : limits_(limits), parser_(std::make_unique<http_parser>()) {
  reset();
}

RequestParser::~RequestParser() = default;

void RequestParser::reset() {
  http_parser_init(parser_.get(), HTTP_REQUEST);
  parser_->data = this;
  base_ = nullptr;
  fed_ = 0;
  scanner_.reset();
  framing_checked_ = 0;
  result_ = {ParseStatus::need_more};
  error_status_ = 0;
  error_reason_ = {};
  target_ = path_ = query_ = {};
  headers_.clear();
  last_ = LastCallback::none;
  headers_done_ = message_done_ = chunked_ = false;
  keep_alive_ = true;
  trailer_lines_ = 0;
  body_ = {};
  chunked_body_.clear();
  request_ = Request{};
}

int RequestParser::fail(int http_status, std::string_view reason) {
  error_status_ = http_status;
  error_reason_ = reason;
  return -1;
}

bool RequestParser::extend(Span& span, const char* at, size_t length) {
  size_t offset = static_cast<size_t>(at - base_);
  if (span.offset == kUnset) {
    span.offset = offset;
  } else if (span.offset + span.length != offset) {
    return false;
  }
  span.length += length;
  return true;
}

ParseResult RequestParser::parse(std::span<const char> data) {
  if (result_.status != ParseStatus::need_more) return result_;
  assert(data.size() >= fed_ && "parse() must see every byte it saw before");
  base_ = data.data();
  if (!headers_done_ && !parse_header_section(data)) {
    base_ = nullptr;
    return result_;
  }
  // The wire budget of the whole request; see the header comment for the factor of two. Feeding no further
  // than the budget makes the limit trip at the same byte however the input was split.
  const size_t max_request_bytes = 2 * limits_.max_header_bytes + 2 * limits_.max_body_bytes;
  if (feed(data, std::min(data.size(), max_request_bytes)) && fed_ < data.size()) {
    result_ = {ParseStatus::error, 0, 413, "body too large"};
  }
  base_ = nullptr;
  return result_;
}

bool RequestParser::parse_header_section(std::span<const char> data) {
  // http_parser first gets every byte the scanner has cleared, so that an error it finds earlier in the
  // stream wins over ours later in it whatever the split: the outcome must not depend on how much arrived.
  const auto scanned = scanner_.scan(data, limits_.max_header_bytes);
  const bool found = scanned == HeaderSectionScanner::Status::found;
  const size_t clean = found ? scanner_.end() : scanner_.position();
  if (!feed(data, std::min(clean, limits_.max_header_bytes))) return false;
  if (scanned == HeaderSectionScanner::Status::bare_cr) {
    result_ = {ParseStatus::error, 0, 400, "bare CR in header section"};
    return false;
  }
  if (scanned == HeaderSectionScanner::Status::obs_fold) {
    result_ = {ParseStatus::error, 0, 400, "obsolete line folding"};
    return false;
  }
  if (found ? scanner_.end() > limits_.max_header_bytes : scanner_.position() >= limits_.max_header_bytes) {
    result_ = {ParseStatus::error, 0, 431, "header section too large"};
    return false;
  }
  if (found && !headers_done_) {
    result_ = {ParseStatus::error, 0, 400, "malformed header section"};
    return false;
  }
  return found;
}

bool RequestParser::feed(std::span<const char> data, size_t end) {
  if (end <= fed_) return true;
  fed_ += http_parser_execute(parser_.get(), &Callbacks::settings(), data.data() + fed_, end - fed_);
  if (error_status_ != 0) {
    result_ = {ParseStatus::error, 0, error_status_, error_reason_};
    return false;
  }
  if (message_done_) {
    if (chunked_ && !check_chunk_gap(fed_, true)) {
      result_ = {ParseStatus::error, 0, 400, "malformed chunk framing"};
      return false;
    }
    if (trailer_lines_ > limits_.max_headers) {
      result_ = {ParseStatus::error, 0, 431, "too many trailer fields"};
      return false;
    }
    materialize(base_);
    result_ = {ParseStatus::complete, fed_};
    return false;
  }
  auto e = HTTP_PARSER_ERRNO(parser_.get());
  if (e != HPE_OK) {
    result_ = from_http_parser_errno(e);
    return false;
  }
  return true;
}

bool RequestParser::check_chunk_gap(size_t upto, bool is_last) {
  std::string_view gap(base_ + framing_checked_, upto - framing_checked_);
  return is_valid_chunk_gap(gap, framing_checked_ != scanner_.end(), is_last);
}

// Runs once, at the end of the header section: everything that decides the message length and whether we
// will handle the request at all, before a single body byte is accepted.
int RequestParser::check_headers() {
  materialize(base_);
  const http_parser& p = *parser_;
  for (const Header& h : request_.headers) {
    // Non-strict http_parser lets a space end a header name ("Host : x"), which RFC 9112 §5.1 requires us
    // to reject: a proxy may read "Content-Length :" as another header than we would.
    if (!is_token(h.name)) return fail(400, "malformed header name");
  }
  if (headers_.size() > limits_.max_headers) return fail(431, "too many header fields");
  if (p.http_major != 1 || p.http_minor > 1) return fail(505, "unsupported HTTP version");
  // http_parser treats CONNECT as a tunnel and stops at its headers; we are not a proxy.
  if (p.method == HTTP_CONNECT) return fail(501, "method not implemented");

  // Request-target (RFC 9112 §3.2): origin-form, absolute-form, or "*".
  if (target_.offset == kUnset) return fail(400, "malformed request line");
  if (target_.length > kMaxUrlParseLength) return fail(414, "request-target too long");
  http_parser_url url;
  http_parser_url_init(&url);
  if (http_parser_parse_url(base_ + target_.offset, target_.length, 0, &url) != 0) {
    return fail(400, "malformed request-target");
  }
  if (url.field_set & (1 << UF_PATH)) {
    path_ = {target_.offset + url.field_data[UF_PATH].off, url.field_data[UF_PATH].len};
  }
  if (url.field_set & (1 << UF_QUERY)) {
    query_ = {target_.offset + url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len};
  }

  // Message length (RFC 9112 §6.1-§6.3). http_parser only recognises a Transfer-Encoding that is exactly
  // "chunked"; anything else it would silently frame by Content-Length or as empty, so we decide here.
  const Request& r = request_;
  const size_t te_lines = r.header_count("Transfer-Encoding");
  const size_t cl_lines = r.header_count("Content-Length");
  if (cl_lines > 1) return fail(400, "conflicting message length headers");
  if (cl_lines == 1 && p.content_length == ULLONG_MAX) return fail(400, "invalid content-length");
  if ((p.flags & F_CHUNKED) && te_lines == 0) return fail(400, "malformed transfer-encoding");
  if (te_lines > 0) {
    if (cl_lines > 0) return fail(400, "conflicting message length headers");
    // An HTTP/1.0 recipient may not understand chunked, so an intermediary could frame it differently.
    if (p.http_minor == 0) return fail(400, "transfer-encoding in HTTP/1.0");
    size_t codings = 0, chunked_at = 0;
    bool unknown = false;
    for_each_list_element(r.header_list("Transfer-Encoding"), [&](std::string_view coding) {
      ++codings;
      if (iequals(coding, "chunked")) {
        chunked_at = chunked_at == 0 ? codings : SIZE_MAX;  // SIZE_MAX: applied twice
      } else {
        unknown = true;
      }
      return true;
    });
    if (unknown) return fail(501, "unsupported transfer-coding");
    if (codings != 1 || chunked_at != 1 || !(p.flags & F_CHUNKED))
      return fail(400, "malformed transfer-encoding");
    chunked_ = true;
  }
  const bool has_length = cl_lines == 1 && p.content_length != ULLONG_MAX;
  if (has_length && p.content_length > limits_.max_body_bytes) return fail(413, "body too large");

  // After an Upgrade request the connection speaks another protocol; a body in between would make it
  // ambiguous where one ends and the other begins.
  if (r.header_count("Upgrade") > 0 && (chunked_ || (has_length && p.content_length > 0))) {
    return fail(400, "body on upgrade request");
  }

  const std::string connection = r.header_list("Connection");
  keep_alive_ = p.http_minor >= 1 ? !list_contains_token(connection, "close")
                                  : list_contains_token(connection, "keep-alive") &&
                                        !list_contains_token(connection, "close");
  request_.keep_alive = keep_alive_;
  return 0;
}

void RequestParser::materialize(const char* base) {
  Request& r = request_;
  const http_parser& p = *parser_;
  r.method = http_method_str(static_cast<http_method>(p.method));
  r.version_major = p.http_major;
  r.version_minor = p.http_minor;
  r.target = view(base, target_);
  // Absolute-form without a path ("http://host") means the root (RFC 9112 §3.2.2).
  r.path = path_.length > 0 ? view(base, path_) : std::string_view("/");
  r.query = view(base, query_);
  r.headers.clear();
  r.headers.reserve(headers_.size());
  for (const HeaderSpan& h : headers_)
    r.headers.push_back({view(base, h.name), trim_ows(view(base, h.value))});
  r.body = chunked_ ? std::string_view(chunked_body_) : view(base, body_);
  r.keep_alive = keep_alive_;
}

}  // namespace wshub::http
