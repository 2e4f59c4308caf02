// fuzz-layer: http
// ResponseParser under arbitrary bytes and arbitrary splits.
//
// Input: one byte seeding the split sizes (its low bit also says whether the stream ends with the server
// closing the connection), then a byte stream (possibly several responses on one keep-alive connection).
// Checks, per response:
//   - the stream fed in pieces (as reads arrive) and fed whole give the same status, reason, consumed
//     length, response and keep-alive decision, and so does the end of stream after either: the framing of
//     a pooled connection must not depend on how TCP cut it;
//   - consumed is within the input; a complete response is final (200..599), within the limits, with token
//     header names and content_type equal to its first Content-Type; an error has a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "http/Ascii.h"
#include "http/ResponseParser.h"

using namespace wshub::http;
using Status = ResponseParser::Status;

namespace {

constexpr ResponseLimits kLimits{256, 8, 1024};

void check_response(const ResponseParser& parser) {
  const HttpResponse& r = parser.response();
  if (r.status < 200 || r.status > 599) abort();
  if (r.body.size() > kLimits.max_body_bytes || r.headers.size() > kLimits.max_headers) abort();
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) abort();
  }
  if (r.content_type != r.header("Content-Type")) abort();
}

bool same(ResponseParser& a, ResponseParser& b) {
  const HttpResponse& x = a.response();
  const HttpResponse& y = b.response();
  return x.status == y.status && x.body == y.body && x.headers == y.headers &&
         x.content_type == y.content_type && a.keep_alive() == b.keep_alive();
}

bool same(const ResponseParser::Result& a, const ResponseParser::Result& b) {
  return a.status == b.status && a.reason == b.reason;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint32_t rng = data[0] * 2654435761u + 1;
  const bool ends_with_close = data[0] & 1;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  ResponseParser split(kLimits), whole(kLimits);
  for (int responses = 0; responses < 8; ++responses) {
    ResponseParser::Result a{Status::need_more}, b{Status::need_more};
    size_t offset = 0;
    while (a.status == Status::need_more && offset < stream.size()) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      // Each piece is a fresh copy, so a pointer kept into an earlier read would show under ASan.
      const std::string piece(stream.substr(offset, 1 + rng % 64));
      a = split.feed(std::span<const char>(piece.data(), piece.size()));
      if (a.consumed > piece.size()) abort();
      if (a.status == Status::need_more && a.consumed != piece.size()) abort();
      a.consumed += offset;
      offset += piece.size();
    }
    b = whole.feed(std::span<const char>(stream.data(), stream.size()));
    if (!same(a, b) || split.started() != whole.started()) abort();
    if (a.status == Status::need_more) {
      if (!ends_with_close) return 0;
      a = split.finish();
      b = whole.finish();
      if (!same(a, b)) abort();
    }
    if (a.status == Status::malformed || a.status == Status::too_large) {
      if (a.reason.empty()) abort();
      return 0;
    }
    if (a.status != Status::complete) abort();
    if (a.consumed != b.consumed || b.consumed > stream.size()) abort();
    check_response(split);
    if (!same(split, whole)) abort();
    if (!split.keep_alive() || b.consumed == 0) return 0;
    stream.remove_prefix(b.consumed);
    split.reset();
    whole.reset();
  }
  return 0;
}
