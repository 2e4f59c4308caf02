#include "http/ResponseParser.h"

#include <http_parser.h>

#include <algorithm>
#include <cassert>
#include <climits>

#include "http/Ascii.h"
#include "http/ChunkFraming.h"
#include "http/TokenList.h"

namespace wshub::http {

namespace {

using Status = ResponseParser::Status;

// An http_parser error that no callback of ours raised. Its only size limit is its own header counter
// (HTTP_MAX_HEADER_SIZE, for trailers here); everything else is a malformed response.
Status status_of(http_errno e) {
  return e == HPE_HEADER_OVERFLOW ? Status::too_large : Status::malformed;
}

}  // namespace

// Static trampolines: http_parser is a C library with a void* context.
struct ResponseParser::Callbacks {
  static ResponseParser& self(http_parser* p) { return *static_cast<ResponseParser*>(p->data); }

  static int on_header_field(http_parser* p, const char* at, size_t length) {
    ResponseParser& s = self(p);
    if (s.headers_done_) {  // a trailer line of a chunked body: counted, then discarded (RFC 9112 §7.1.2)
      if (s.last_ != LastCallback::field) ++s.trailer_lines_;
      s.last_ = LastCallback::field;
      return 0;
    }
    // The header section arrives in one piece, so each name and value comes in one callback; appending
    // keeps this correct should http_parser ever split one.
    if (s.last_ != LastCallback::field) s.response_.headers.emplace_back();
    s.last_ = LastCallback::field;
    s.response_.headers.back().first.append(at, length);
    return 0;
  }

  static int on_header_value(http_parser* p, const char* at, size_t length) {
    ResponseParser& s = self(p);
    if (s.headers_done_) {
      s.last_ = LastCallback::value;
      return 0;
    }
    if (s.last_ == LastCallback::none) return s.fail(Status::malformed, "malformed header line");
    s.last_ = LastCallback::value;
    s.response_.headers.back().second.append(at, length);
    return 0;
  }

  static int on_headers_complete(http_parser* p) { return self(p).check_headers(); }

  static int on_chunk_header(http_parser* p) {
    // Refuse an oversized chunk from its size line, before its data arrives.
    ResponseParser& s = self(p);
    if (s.in_head_) return s.fail(Status::malformed, "malformed header section");
    if (p->content_length > s.limits_.max_body_bytes - s.response_.body.size())
      return s.fail(Status::too_large, "body too large");
    return 0;
  }

  static int on_body(http_parser* p, const char* at, size_t length) {
    ResponseParser& s = self(p);
    // http_parser ended the headers before the scanner did: the two disagree about the framing.
    if (s.in_head_) return s.fail(Status::malformed, "malformed header section");
    if (s.chunked_) {
      if (!s.chunk_gap_ok(at, false)) return s.fail(Status::malformed, "malformed chunk framing");
      s.after_data_ = true;
      s.cursor_ = at + length;
    }
    if (length > s.limits_.max_body_bytes - s.response_.body.size())
      return s.fail(Status::too_large, "body too large");
    s.response_.body.append(at, length);
    return 0;
  }

  static int on_message_complete(http_parser* p) {
    // Pausing makes http_parser_execute return right after this message, so bytes after it stay unparsed.
    self(p).message_done_ = true;
    http_parser_pause(p, 1);
    return 0;
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings s = [] {
      http_parser_settings v;
      http_parser_settings_init(&v);
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

ResponseParser::ResponseParser(ResponseLimits limits)
    : limits_(limits), parser_(std::make_unique<http_parser>()) {
  reset();
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::reset() {
  result_ = {Status::need_more};
  error_status_ = Status::need_more;
  error_reason_ = {};
  started_ = false;
  start_message();
}

void ResponseParser::start_message() {
  http_parser_init(parser_.get(), HTTP_RESPONSE);
  parser_->data = this;
  head_.clear();
  scanner_.reset();
  in_head_ = headers_done_ = message_done_ = interim_ = chunked_ = until_close_ = keep_alive_ = false;
  last_ = LastCallback::none;
  trailer_lines_ = 0;
  gap_.clear();
  after_data_ = false;
  cursor_ = nullptr;
  response_.status = 0;
  response_.content_type.clear();
  response_.body.clear();
  response_.headers.clear();
}

int ResponseParser::fail(Status status, std::string_view reason) {
  error_status_ = status;
  error_reason_ = reason;
  return -1;
}

ResponseParser::Result ResponseParser::feed(std::span<const char> bytes) {
  if (result_.status != Status::need_more) return {result_.status, 0, result_.reason};
  started_ = started_ || !bytes.empty();
  size_t used = 0;
  while (result_.status == Status::need_more) {
    if (!headers_done_) {
      if (!parse_head(bytes, used)) break;
    } else {
      if (used == bytes.size()) break;
      parse_body(bytes, used);
    }
  }
  return {result_.status, used, result_.reason};
}

bool ResponseParser::parse_head(std::span<const char> bytes, size_t& used) {
  // head_ never holds more than one byte past the limit: enough for the scanner to finish a CRLF that
  // straddles it, and to tell "too large" from "need more" whatever the split.
  const size_t take = std::min(bytes.size() - used, limits_.max_header_bytes + 1 - head_.size());
  head_.append(bytes.data() + used, take);
  const auto scanned =
      scanner_.scan(std::span<const char>(head_.data(), head_.size()), limits_.max_header_bytes);
  if (scanned == HeaderSectionScanner::Status::bare_cr) {
    set_result(Status::malformed, "bare CR in header section");
    return false;
  }
  if (scanned == HeaderSectionScanner::Status::obs_fold) {
    // RFC 9112 §5.2 would let us unfold it; no back-end of ours sends it, and refusing is the safe reading.
    set_result(Status::malformed, "obsolete line folding");
    return false;
  }
  const bool found = scanned == HeaderSectionScanner::Status::found;
  if (found ? scanner_.end() > limits_.max_header_bytes : scanner_.position() >= limits_.max_header_bytes) {
    set_result(Status::too_large, "header section too large");
    return false;
  }
  if (!found) {
    used += take;
    return false;
  }
  // Bytes after the end of the section came from this call; they are parsed again as body (or as the next
  // message after a 1xx).
  const size_t section = scanner_.end();
  used += take - (head_.size() - section);
  head_.resize(section);

  in_head_ = true;
  const size_t n = http_parser_execute(parser_.get(), &Callbacks::settings(), head_.data(), head_.size());
  in_head_ = false;
  if (error_status_ != Status::need_more) {
    set_result(error_status_, error_reason_);
    return false;
  }
  const http_errno e = HTTP_PARSER_ERRNO(parser_.get());
  if (e != HPE_OK && !(e == HPE_PAUSED && message_done_)) {
    set_result(status_of(e), http_errno_description(e));
    return false;
  }
  if (n != head_.size() || !headers_done_) {
    set_result(Status::malformed, "malformed header section");
    return false;
  }
  if (message_done_) {
    if (interim_) {
      start_message();  // RFC 9110 §15.2: a client must be able to parse and skip 1xx responses
    } else {
      set_result(Status::complete, {});
    }
  }
  return true;
}

void ResponseParser::parse_body(std::span<const char> bytes, size_t& used) {
  const char* start = bytes.data() + used;
  size_t length = bytes.size() - used;
  // Never feed past the byte at which the framing since the last chunk data would exceed its limit, so the
  // limit trips at the same stream position however the input is split.
  if (chunked_) length = std::min(length, limits_.max_header_bytes + 1 - gap_.size());
  cursor_ = start;
  const size_t n = http_parser_execute(parser_.get(), &Callbacks::settings(), start, length);
  if (error_status_ != Status::need_more) {
    set_result(error_status_, error_reason_);
    return;
  }
  const http_errno e = HTTP_PARSER_ERRNO(parser_.get());
  if (message_done_) {
    used += n;
    if (chunked_ && !chunk_gap_ok(start + n, true)) {
      set_result(Status::malformed, "malformed chunk framing");
    } else if (trailer_lines_ > limits_.max_headers) {
      set_result(Status::too_large, "too many trailer fields");
    } else {
      set_result(Status::complete, {});
    }
    return;
  }
  if (e != HPE_OK) {
    set_result(status_of(e), http_errno_description(e));
    return;
  }
  used += n;
  if (chunked_) {
    gap_.append(cursor_, static_cast<size_t>(start + n - cursor_));
    if (gap_.size() > limits_.max_header_bytes) set_result(Status::too_large, "chunk framing too large");
  }
}

ResponseParser::Result ResponseParser::finish() {
  if (result_.status != Status::need_more) return {result_.status, 0, result_.reason};
  if (!headers_done_) {
    set_result(Status::malformed, started_ ? "connection closed in the header section" : "no response");
    return result_;
  }
  // A zero-length execute tells http_parser the stream ended: it completes a body read until close and
  // reports any other unfinished state as an error.
  http_parser_execute(parser_.get(), &Callbacks::settings(), nullptr, 0);
  if (message_done_) {
    set_result(Status::complete, {});
  } else {
    set_result(Status::malformed, "connection closed in the body");
  }
  return result_;
}

bool ResponseParser::chunk_gap_ok(const char* upto, bool is_last) {
  gap_.append(cursor_, static_cast<size_t>(upto - cursor_));
  const bool ok = is_valid_chunk_gap(gap_, after_data_, is_last);
  gap_.clear();
  return ok;
}

// Runs once per message, at the end of its header section: everything that decides the message length and
// whether we accept the response at all, before a single body byte is taken.
int ResponseParser::check_headers() {
  headers_done_ = true;
  last_ = LastCallback::none;
  const http_parser& p = *parser_;
  for (auto& [name, value] : response_.headers) {
    // Non-strict http_parser lets a space end a header name ("Content-Length :"); RFC 9112 §5.1 forbids it.
    if (!is_token(name)) return fail(Status::malformed, "malformed header name");
    std::string_view trimmed = trim_ows(value);
    if (trimmed.size() != value.size()) value = std::string(trimmed);
  }
  if (response_.headers.size() > limits_.max_headers)
    return fail(Status::too_large, "too many header fields");
  if (p.http_major != 1 || p.http_minor > 1) return fail(Status::malformed, "unsupported HTTP version");
  const int status = static_cast<int>(p.status_code);
  if (status < 100 || status > 599) return fail(Status::malformed, "invalid status code");
  // We never send Upgrade, so a 101 would switch the connection to a protocol nobody asked for.
  if (status == 101) return fail(Status::malformed, "unexpected 101 Switching Protocols");
  response_.status = status;
  if (status < 200) {
    interim_ = true;
    return 1;  // no body, whatever the headers say (RFC 9112 §6.3 rule 1)
  }

  // Message length (RFC 9112 §6.3). http_parser frames "Transfer-Encoding: gzip" as read-until-close and
  // tolerates some combinations we do not; decide here, once.
  size_t cl_lines = 0, te_lines = 0, ct_lines = 0;
  std::string te_list, connection;
  for (const auto& [name, value] : response_.headers) {
    if (iequals(name, "Content-Length")) {
      ++cl_lines;
    } else if (iequals(name, "Transfer-Encoding")) {
      ++te_lines;
      te_list += te_list.empty() ? value : ", " + value;
    } else if (iequals(name, "Connection")) {
      connection += connection.empty() ? value : ", " + value;
    } else if (iequals(name, "Content-Type") && ct_lines++ == 0) {
      response_.content_type = value;  // the first one, even when empty: header() agrees
    }
  }
  const bool no_body = status == 204 || status == 304;
  if (cl_lines > 1) return fail(Status::malformed, "conflicting message length headers");
  if (cl_lines == 1 && p.content_length == ULLONG_MAX)
    return fail(Status::malformed, "invalid content-length");
  if ((p.flags & F_CHUNKED) && te_lines == 0) return fail(Status::malformed, "malformed transfer-encoding");
  if (te_lines > 0 && !no_body) {
    if (cl_lines > 0) return fail(Status::malformed, "conflicting message length headers");
    if (p.http_minor == 0) return fail(Status::malformed, "transfer-encoding in HTTP/1.0");
    // We never send TE, so chunked is the only coding we can be given that we can undo (RFC 9112 §7).
    size_t codings = 0;
    bool only_chunked = true;
    for_each_list_element(te_list, [&](std::string_view coding) {
      ++codings;
      only_chunked = only_chunked && iequals(coding, "chunked");
      return true;
    });
    if (codings != 1 || !only_chunked || !(p.flags & F_CHUNKED))
      return fail(Status::malformed, "unsupported transfer-encoding");
    chunked_ = true;
  }
  if (!no_body && cl_lines == 1 && p.content_length > limits_.max_body_bytes)
    return fail(Status::too_large, "body too large");
  until_close_ = !no_body && !chunked_ && cl_lines == 0;
  keep_alive_ = p.http_minor >= 1 ? !list_contains_token(connection, "close")
                                  : list_contains_token(connection, "keep-alive") &&
                                        !list_contains_token(connection, "close");
  return no_body ? 1 : 0;
}

}  // namespace wshub::http
