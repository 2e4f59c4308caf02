// fuzz-layer: ws
// negotiate_deflate over arbitrary Sec-WebSocket-Extensions values (RFC 7692 §5, §7.1).
//
// Input: two option bytes, then the header value.
// Checks: declined means an empty response; agreed parameters are in range and never
// exceed our options; the response is itself an offer that negotiates to the same
// response and parameters (a fixed point), so what we send is what we parse.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ws/DeflateNegotiation.h"

using namespace wshub::ws;

static bool same(const DeflateParams& a, const DeflateParams& b) {
  return a.server_max_window_bits == b.server_max_window_bits &&
         a.client_max_window_bits == b.client_max_window_bits &&
         a.server_no_context_takeover == b.server_no_context_takeover &&
         a.client_no_context_takeover == b.client_no_context_takeover;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  DeflateOptions o;
  o.enabled = !(data[0] & 0x80);
  o.server_max_window_bits = 8 + (data[0] & 7);
  o.client_max_window_bits = 8 + ((data[0] >> 3) & 7);
  o.server_no_context_takeover = data[1] & 1;
  o.client_no_context_takeover = data[1] & 2;
  const std::string_view offers(reinterpret_cast<const char*>(data + 2), size - 2);

  std::string response = "stale";
  const auto p = negotiate_deflate(offers, o, response);
  if (!p) {
    if (!response.empty()) abort();
    return 0;
  }
  if (!o.enabled || response.rfind("permessage-deflate", 0) != 0) abort();
  if (p->server_max_window_bits < 9 || p->server_max_window_bits > 15) abort();
  if (p->server_max_window_bits > std::max(o.server_max_window_bits, 9)) abort();
  if (p->client_max_window_bits < 8 || p->client_max_window_bits > 15) abort();
  if (o.server_no_context_takeover && !p->server_no_context_takeover) abort();
  if (o.client_no_context_takeover && !p->client_no_context_takeover) abort();

  std::string again;
  const auto q = negotiate_deflate(response, o, again);
  if (!q || again != response || !same(*p, *q)) abort();
  return 0;
}
