#pragma once
// The client's half of the opening handshake (RFC 6455 §4.1): the upgrade request, and
// the check of the server's response, Sec-WebSocket-Accept included (§4.2.2 step 5.4).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::bench {

struct UpgradeRequest {
  std::string bytes;  // the request to write
  std::string key;    // its Sec-WebSocket-Key, needed to check the response
};

// `nonce` makes the key unique per connection (the key is 16 bytes, base64-encoded).
// `headers` are extra request header lines ("Authorization: Bearer ..."), written as given.
UpgradeRequest make_upgrade_request(std::string_view host, std::string_view path, uint64_t nonce,
                                    const std::vector<std::string>& headers = {});

// Checks a complete response head (up to and including the blank line). Returns nullptr
// when it accepts the upgrade, else a static description of what is wrong.
const char* check_upgrade_response(std::string_view head, std::string_view key);

}  // namespace wshub::bench
