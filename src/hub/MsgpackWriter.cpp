#include "hub/MsgpackWriter.h"

#include <bit>
#include <cassert>

namespace wshub::hub {

void MsgpackWriter::put(uint8_t type, uint64_t v, int bytes) {
  char buf[9];
  buf[0] = static_cast<char>(type);
  for (int i = 0; i < bytes; ++i) buf[1 + i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  out_.append(buf, static_cast<size_t>(bytes) + 1);
}

void MsgpackWriter::uint(uint64_t v) {
  if (v <= 0x7f) {
    out_.push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    put(0xcc, v, 1);
  } else if (v <= 0xffff) {
    put(0xcd, v, 2);
  } else if (v <= 0xffffffff) {
    put(0xce, v, 4);
  } else {
    put(0xcf, v, 8);
  }
}

void MsgpackWriter::integer(int64_t v) {
  if (v >= 0) return uint(static_cast<uint64_t>(v));
  const auto bits = static_cast<uint64_t>(v);
  if (v >= -32) {
    out_.push_back(static_cast<char>(bits));
  } else if (v >= INT8_MIN) {
    put(0xd0, bits, 1);
  } else if (v >= INT16_MIN) {
    put(0xd1, bits, 2);
  } else if (v >= INT32_MIN) {
    put(0xd2, bits, 4);
  } else {
    put(0xd3, bits, 8);
  }
}

void MsgpackWriter::float64(double v) {
  put(0xcb, std::bit_cast<uint64_t>(v), 8);
}

void MsgpackWriter::str(std::string_view s) {
  assert(s.size() <= UINT32_MAX);
  if (s.size() <= 31) {
    out_.push_back(static_cast<char>(0xa0 | s.size()));
  } else if (s.size() <= 0xff) {
    put(0xd9, s.size(), 1);
  } else if (s.size() <= 0xffff) {
    put(0xda, s.size(), 2);
  } else {
    put(0xdb, s.size(), 4);
  }
  out_.append(s);
}

void MsgpackWriter::array(uint32_t n) {
  if (n <= 15) {
    out_.push_back(static_cast<char>(0x90 | n));
  } else if (n <= 0xffff) {
    put(0xdc, n, 2);
  } else {
    put(0xdd, n, 4);
  }
}

void MsgpackWriter::map(uint32_t n) {
  if (n <= 15) {
    out_.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    put(0xde, n, 2);
  } else {
    put(0xdf, n, 4);
  }
}

}  // namespace wshub::hub
