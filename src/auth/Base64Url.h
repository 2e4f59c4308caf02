#pragma once
// base64url without padding (RFC 4648 §5), the encoding of every part of a compact JWS
// (RFC 7515 §2, appendix C). Decoding is strict, because a token is untrusted input and
// because two spellings of one signature would make tokens malleable:
//   - only A-Z a-z 0-9 '-' '_'; no '=', no whitespace, no '+' '/' of plain base64;
//   - a length of 4n+1 characters is refused (it cannot come from any byte string);
//   - the unused low bits of the last character must be zero, so every byte string has
//     exactly one accepted spelling (decode(encode(b)) == b and encode(decode(s)) == s).
// No allocation: the caller provides the output buffer, sized with decoded_size().
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wshub::auth::base64url {

// Bytes that `encoded_length` characters decode to (an upper bound for refused input).
constexpr size_t decoded_size(size_t encoded_length) {
  return encoded_length / 4 * 3 + encoded_length % 4 * 3 / 4;
}

// Characters that `size` bytes encode to, without padding.
constexpr size_t encoded_size(size_t size) {
  return size / 3 * 4 + (size % 3 * 4 + 2) / 3;
}

// Decodes `text` into `out`. Returns the number of bytes written, or nullopt when `text`
// is not strict base64url or does not fit in `out`. `out` may hold garbage on failure.
std::optional<size_t> decode(std::string_view text, std::span<uint8_t> out);

// Decodes into `out` (resized, capacity kept). False when `text` is not strict base64url
// or would decode to more than `max_size` bytes; the length is checked before any work.
bool decode(std::string_view text, std::string& out, size_t max_size);

// Appends the encoding of `bytes` to `out`.
void encode(std::span<const uint8_t> bytes, std::string& out);
std::string encode(std::string_view bytes);

}  // namespace wshub::auth::base64url
