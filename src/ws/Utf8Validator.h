#pragma once
// UTF-8 validation (RFC 3629) for text messages and close reasons (RFC 6455 §5.6, §8.1).
#include <cstddef>
#include <cstdint>
#include <span>

namespace wshub::ws {

// Incremental: a text message is validated as its fragments (or the pieces of a fragment)
// arrive, so that the connection can be failed at the first byte that can no longer be
// part of valid UTF-8, as Autobahn 6.x requires, instead of after buffering the message.
//
// Rejected at the earliest byte: stray continuation bytes, C0/C1 and F5-FF lead bytes,
// overlong forms (E0 80-9F, F0 80-8F), surrogates (ED A0-BF), code points above U+10FFFF
// (F4 90-BF), and a lead byte not followed by enough continuation bytes. Noncharacters
// (U+FFFE, U+FFFF, ...) are valid UTF-8 and are accepted.
class Utf8Validator {
 public:
  // Returns false as soon as the bytes fed so far (since reset) cannot be the prefix of
  // valid UTF-8; once false, it stays false until reset().
  bool feed(std::span<const std::byte> in);
  // The bytes so far are valid and end on a code point boundary.
  bool complete() const { return !failed_ && need_ == 0; }
  bool failed() const { return failed_; }
  void reset() { *this = Utf8Validator{}; }

 private:
  uint8_t need_ = 0;   // continuation bytes still expected
  uint8_t lo_ = 0x80;  // allowed range of the next continuation byte: narrower than
  uint8_t hi_ = 0xBF;  // 80-BF right after E0, ED, F0 and F4
  bool failed_ = false;
};

// One-shot: the whole input is valid UTF-8.
bool is_valid_utf8(std::span<const std::byte> in);

}  // namespace wshub::ws
