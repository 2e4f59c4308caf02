#pragma once
// Writes a JSON string literal (RFC 8259 §7) for the encoder and the payload converter.
#include <string>
#include <string_view>

namespace wshub::hub {

// Appends `s` quoted and escaped: `"` and `\` with a backslash, control characters
// below 0x20 as \b \f \n \r \t or \u00XX. Valid UTF-8 is copied as is. A byte that does
// not start a valid UTF-8 sequence becomes \ufffd: the output goes into text frames,
// which a peer must fail on invalid UTF-8 (RFC 6455 §8.1), so one bad id from a token
// must not break the connection of everyone who sees it.
void append_json_string(std::string& out, std::string_view s);

// Length of the valid UTF-8 sequence (RFC 3629) starting at s[i], or 0 when the bytes
// there are not one. Precondition: i < s.size().
size_t utf8_sequence_length(std::string_view s, size_t i);

}  // namespace wshub::hub
