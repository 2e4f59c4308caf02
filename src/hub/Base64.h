#pragma once
// Base64 (RFC 4648 §4: standard alphabet, padded), the JSON form of MessagePack bin and
// ext values (docs/protocol.md, "JSON and MessagePack").
#include <string>
#include <string_view>

namespace wshub::hub {

void append_base64(std::string& out, std::string_view bytes);

}  // namespace wshub::hub
