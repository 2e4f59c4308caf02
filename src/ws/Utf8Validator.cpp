// A byte-at-a-time state machine (remaining continuation bytes plus the allowed range of
// the next one) with a word-wide ASCII skip: text on a messaging server is mostly ASCII
// JSON, and the skip checks 16 bytes per iteration with two 64-bit ORs and one test.
#include "ws/Utf8Validator.h"

#include <bit>
#include <cstring>

namespace wshub::ws {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t load64(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Returns the first byte at or after `p` that is not ASCII, or `end`.
const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end) {
  while (end - p >= 16) {
    if (((load64(p) | load64(p + 8)) & kHighBits) != 0) break;
    p += 16;
  }
  while (end - p >= 8) {
    const uint64_t high = load64(p) & kHighBits;
    if (high != 0) {
      if constexpr (std::endian::native == std::endian::little) return p + std::countr_zero(high) / 8;
      break;
    }
    p += 8;
  }
  while (p < end && *p < 0x80) ++p;
  return p;
}

// The length of the valid multi-byte sequence at `p` (4 bytes readable), or 0 if invalid.
// The same ranges as the state machine in feed(), unrolled: non-ASCII text (Cyrillic,
// CJK, emoji) would otherwise pay a state update per byte.
size_t sequence_length(const unsigned char* p) {
  const unsigned char c = p[0];
  auto cont = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  if (c < 0xC2) return 0;
  if (c < 0xE0) return cont(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
  }
  if (c < 0xF5) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool Utf8Validator::feed(std::span<const std::byte> in) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    if (need_ == 0) {
      p = skip_ascii(p, end);
      if (p == end) break;
      if (end - p >= 4) {
        // A whole sequence is present: check it in one go, no state kept.
        const size_t n = sequence_length(p);
        if (n == 0) return failed_ = true, false;
        p += n;
        continue;
      }
      const unsigned char c = *p++;
      lo_ = 0x80;
      hi_ = 0xBF;
      if (c < 0xC2) {  // a continuation byte, or C0/C1 (always overlong)
        failed_ = true;
      } else if (c < 0xE0) {
        need_ = 1;
      } else if (c < 0xF0) {
        need_ = 2;
        if (c == 0xE0) lo_ = 0xA0;  // below: overlong
        if (c == 0xED) hi_ = 0x9F;  // above: U+D800-DFFF surrogates
      } else if (c < 0xF5) {
        need_ = 3;
        if (c == 0xF0) lo_ = 0x90;  // below: overlong
        if (c == 0xF4) hi_ = 0x8F;  // above: beyond U+10FFFF
      } else {
        failed_ = true;
      }
    } else {
      const unsigned char c = *p++;
      if (c < lo_ || c > hi_) {
        failed_ = true;
      } else {
        --need_;
        lo_ = 0x80;
        hi_ = 0xBF;
      }
    }
    if (failed_) return false;
  }
  return true;
}

bool is_valid_utf8(std::span<const std::byte> in) {
  Utf8Validator v;
  return v.feed(in) && v.complete();
}

}  // namespace wshub::ws
