// fuzz-layer: http
// RequestParser under arbitrary bytes and arbitrary splits, then the WebSocket handshake on what it accepts.
//
// Input: one byte seeding the split sizes, then a byte stream (possibly several pipelined requests).
// Checks, per request:
//   - the stream fed in pieces (as a connection appends reads) and fed whole give the same status, consumed
//     length, error status and request, so a split never changes the outcome (smuggling needs exactly such
//     a disagreement);
//   - consumed is within the input, every view lies in the buffer (or the de-chunked body), an error status
//     is one of the documented ones;
//   - accept_websocket on every complete request answers 101 with a well-formed response or a documented
//   error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/Handshake.h"
#include "http/RequestParser.h"

using namespace wshub::http;

namespace {

constexpr ParserLimits kLimits{512, 16, 1024};

bool inside(std::string_view v, std::string_view buffer) {
  return v.empty() || (v.data() >= buffer.data() && v.data() + v.size() <= buffer.data() + buffer.size());
}

void check_request(const Request& r, std::string_view buffer) {
  if (!inside(r.target, buffer) || !inside(r.query, buffer)) abort();
  if (r.path != "/" && !inside(r.path, buffer)) abort();
  for (const Header& h : r.headers) {
    if (!inside(h.name, buffer) || !inside(h.value, buffer) || h.name.empty()) abort();
  }
  if (r.headers.size() > kLimits.max_headers || r.body.size() > kLimits.max_body_bytes) abort();
}

bool same(const Request& a, const Request& b) {
  if (a.method != b.method || a.target != b.target || a.path != b.path || a.query != b.query ||
      a.body != b.body || a.keep_alive != b.keep_alive || a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

void check_handshake(const Request& r) {
  static const std::vector<std::string> protocols = {"v2.wshub", "v1.wshub"};
  static const std::vector<std::string> patterns = {"https://*.example.com", "http://localhost:*"};
  static const OriginPolicy origins(patterns);
  HandshakeOptions options;
  options.subprotocols = &protocols;
  options.origins = &origins;
  HandshakeOutcome out = accept_websocket(r, options);
  switch (out.status) {
    case 101:
      if (out.response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) != 0) abort();
      if (!out.error.empty()) abort();
      break;
    case 400:
    case 403:
    case 405:
    case 426:
      if (out.error.empty() || out.deflate || !out.subprotocol.empty()) abort();
      if (out.response.find("Connection: close\r\n") == std::string::npos) abort();
      break;
    default:
      abort();
  }
  if (out.response.size() < 4 || out.response.find("\r\n\r\n") == std::string::npos) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint32_t rng = data[0] * 2654435761u + 1;
  std::string stream(reinterpret_cast<const char*>(data + 1), size - 1);
  RequestParser split(kLimits), whole(kLimits);
  for (int pipelined = 0; pipelined < 8 && !stream.empty(); ++pipelined) {
    // Fed in pieces through a buffer that is copied on every append, so stale pointers would show.
    std::string buffer;
    ParseResult a{ParseStatus::need_more};
    while (a.status == ParseStatus::need_more && buffer.size() < stream.size()) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      size_t piece = 1 + rng % 64;
      std::string grown = buffer + stream.substr(buffer.size(), piece);
      buffer.swap(grown);
      a = split.parse(std::span<const char>(buffer.data(), buffer.size()));
    }
    ParseResult b = whole.parse(std::span<const char>(stream.data(), stream.size()));
    if (a.status != b.status || a.consumed != b.consumed || a.http_status != b.http_status) abort();
    if (a.status == ParseStatus::error) {
      switch (a.http_status) {
        case 400:
        case 413:
        case 414:
        case 431:
        case 501:
        case 505:
          break;
        default:
          abort();
      }
      return 0;
    }
    if (a.status == ParseStatus::need_more) return 0;
    if (a.consumed == 0 || a.consumed > buffer.size()) abort();
    check_request(split.request(), buffer);
    check_request(whole.request(), stream);
    if (!same(split.request(), whole.request())) abort();
    check_handshake(whole.request());
    stream.erase(0, a.consumed);
    split.reset();
    whole.reset();
  }
  return 0;
}
