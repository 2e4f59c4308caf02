#pragma once
// Appends MessagePack to a std::string, always in the smallest format for a value.
//
// Hand-written rather than msgpack::packer: packer::pack_double stores a double with an
// integral value as an integer (1.0 becomes 1, -0.0 becomes 0), which would change a
// payload's types on the way from JSON, and it converts doubles near 2^64 to uint64_t
// (undefined behaviour). What we write is a dozen header formats.
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::hub {

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string& out) : out_(out) {}

  void nil() { out_.push_back(static_cast<char>(0xc0)); }
  void boolean(bool b) { out_.push_back(static_cast<char>(b ? 0xc3 : 0xc2)); }
  void uint(uint64_t v);
  void integer(int64_t v);  // negative values as int; others as uint
  void float64(double v);
  void str(std::string_view s);
  // Headers: the caller writes `n` items (maps: `n` key/value pairs) next.
  void array(uint32_t n);
  void map(uint32_t n);

 private:
  void put(uint8_t type, uint64_t v, int bytes);  // type byte, then v big-endian

  std::string& out_;
};

}  // namespace wshub::hub
