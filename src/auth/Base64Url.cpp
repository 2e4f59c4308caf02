#include "auth/Base64Url.h"

#include <array>

namespace wshub::auth::base64url {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<uint8_t, 256> kTable = make_table();

uint8_t value_of(char c) {
  return kTable[static_cast<uint8_t>(c)];
}

}  // namespace

std::optional<size_t> decode(std::string_view text, std::span<uint8_t> out) {
  const size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  const size_t size = decoded_size(text.size());
  if (size > out.size()) return std::nullopt;
  size_t in = 0, at = 0;
  // Whole quanta: 4 characters -> 3 bytes. An invalid character sets the high bit of the
  // OR of the four values, so one test per quantum suffices.
  for (; in + 4 <= text.size(); in += 4) {
    const uint8_t a = value_of(text[in]), b = value_of(text[in + 1]);
    const uint8_t c = value_of(text[in + 2]), d = value_of(text[in + 3]);
    if ((a | b | c | d) & 0x80) return std::nullopt;
    const uint32_t v = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6 | d;
    out[at++] = static_cast<uint8_t>(v >> 16);
    out[at++] = static_cast<uint8_t>(v >> 8);
    out[at++] = static_cast<uint8_t>(v);
  }
  if (tail == 0) return size;
  // 2 characters carry 12 bits for 1 byte, 3 carry 18 for 2; the rest must be zero.
  const uint8_t a = value_of(text[in]), b = value_of(text[in + 1]);
  const uint8_t c = tail == 3 ? value_of(text[in + 2]) : 0;
  if ((a | b | c) & 0x80) return std::nullopt;
  const uint32_t v = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6;
  if (tail == 2) {
    if (v & 0xffff) return std::nullopt;  // non-canonical: unused bits set
    out[at++] = static_cast<uint8_t>(v >> 16);
  } else {
    if (v & 0xff) return std::nullopt;
    out[at++] = static_cast<uint8_t>(v >> 16);
    out[at++] = static_cast<uint8_t>(v >> 8);
  }
  return size;
}

bool decode(std::string_view text, std::string& out, size_t max_size) {
  if (text.size() % 4 == 1 || decoded_size(text.size()) > max_size) return false;
  out.resize(decoded_size(text.size()));
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  return decode(text, std::span<uint8_t>(bytes, out.size())).has_value();
}

void encode(std::span<const uint8_t> bytes, std::string& out) {
  const size_t start = out.size();
  out.resize(start + encoded_size(bytes.size()));
  char* p = out.data() + start;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    *p++ = kAlphabet[v >> 18];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = kAlphabet[(v >> 6) & 63];
    *p++ = kAlphabet[v & 63];
  }
  const size_t tail = bytes.size() - i;
  if (tail == 0) return;
  const uint32_t v = uint32_t{bytes[i]} << 16 | (tail == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
  *p++ = kAlphabet[v >> 18];
  *p++ = kAlphabet[(v >> 12) & 63];
  if (tail == 2) *p++ = kAlphabet[(v >> 6) & 63];
}

std::string encode(std::string_view bytes) {
  std::string out;
  encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), out);
  return out;
}

}  // namespace wshub::auth::base64url
