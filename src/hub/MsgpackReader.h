#pragma once
// A sans-IO MessagePack reader (github.com/msgpack/msgpack/blob/master/spec.md): one
// header at a time over a byte view, no allocation, no exceptions.
//
// Why not msgpack-c's unpacker on client frames: msgpack::unpack allocates a
// container's element array as soon as it reads the header (24 bytes per declared
// element, create_object_visitor::start_array), so a frame made of 5-byte "array of
// 100000" headers asks for gigabytes, whatever the unpack_limit; and it reports errors
// by throwing. Here a header that declares more items than bytes remain is rejected on
// the spot, and values are views into the input (payloads are forwarded as the exact
// bytes the client sent). msgpack-c is the reference the tests and the fuzz target
// compare this reader with.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::hub {

enum class MsgpackKind : uint8_t {
  nil,
  boolean,
  uint,
  negative_int,
  float32,
  float64,
  str,
  bin,
  ext,
  array,
  map
};

// One header. Integers are normalised by sign, whatever their wire format (a positive
// int8 is a `uint`), so readers compare values and not encodings.
struct MsgpackItem {
  MsgpackKind kind = MsgpackKind::nil;
  bool boolean = false;
  uint64_t uint = 0;      // uint
  int64_t negative = 0;   // negative_int: below zero
  double number = 0;      // float32 (widened, exact) and float64
  std::string_view data;  // str, bin, ext: the bytes, a view into the input
  int8_t ext_type = 0;    // ext
  uint32_t count = 0;     // array: items; map: key/value pairs; they follow this header
};

class MsgpackReader {
 public:
  explicit MsgpackReader(std::string_view input) : input_(input) {}

  // Reads the next header (and the data of str, bin and ext). False for truncated
  // input, the never-used byte 0xc1, and a container that declares more items than
  // bytes remain (each item takes at least one byte); the reader is then unusable.
  bool read(MsgpackItem& item);

  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == input_.size(); }
  std::string_view input() const { return input_; }

 private:
  bool take(size_t n, std::string_view& bytes);
  bool take_uint(size_t n, uint64_t& v);

  std::string_view input_;
  size_t pos_ = 0;
};

// What a scan learned about a value besides its being well formed: whether it has a
// JSON form (PayloadConversion.h) and how deep it nests.
struct MsgpackFacts {
  size_t depth = 0;           // deepest nesting of containers; 0 for a scalar
  bool invalid_utf8 = false;  // some str (a value or a map key) is not UTF-8
  bool non_finite = false;    // some float is NaN or infinite
};

enum class ScanResult : uint8_t { ok, malformed, too_deep };

// Reads the rest of the value whose header is `item`: for a container, every item in
// it. At most `max_depth` containers deep, counting `item`; recursion is bounded by it.
// With `inspect`, fills `facts` (UTF-8 checks cost a pass over every string).
ScanResult scan_msgpack_value(MsgpackReader& reader, const MsgpackItem& item, size_t max_depth, bool inspect,
                              MsgpackFacts& facts);

}  // namespace wshub::hub
