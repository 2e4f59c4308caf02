#include "hub/MsgpackReader.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <span>

#include "ws/Utf8Validator.h"

namespace wshub::hub {

bool MsgpackReader::take(size_t n, std::string_view& bytes) {
  if (input_.size() - pos_ < n) return false;
  bytes = input_.substr(pos_, n);
  pos_ += n;
  return true;
}

// Big-endian unsigned of 1, 2, 4 or 8 bytes.
bool MsgpackReader::take_uint(size_t n, uint64_t& v) {
  std::string_view b;
  if (!take(n, b)) return false;
  v = 0;
  for (unsigned char c : b) v = v << 8 | c;
  return true;
}

bool MsgpackReader::read(MsgpackItem& item) {
  uint64_t first;
  if (!take_uint(1, first)) return false;
  const auto b = static_cast<uint8_t>(first);
  item = MsgpackItem{};
  uint64_t n = 0;  // length of str/bin/ext data, or items of a container
  const auto data = [&](MsgpackKind kind, size_t length_bytes) {
    item.kind = kind;
    return (length_bytes == 0 || take_uint(length_bytes, n)) && take(n, item.data);
  };
  const auto ext = [&](size_t length_bytes, uint64_t fixed) {
    item.kind = MsgpackKind::ext;
    uint64_t type;
    if (length_bytes != 0 && !take_uint(length_bytes, fixed)) return false;
    if (!take_uint(1, type)) return false;
    item.ext_type = static_cast<int8_t>(static_cast<uint8_t>(type));
    return take(fixed, item.data);
  };
  const auto container = [&](MsgpackKind kind, size_t length_bytes, uint64_t fixed) {
    item.kind = kind;
    if (length_bytes != 0 && !take_uint(length_bytes, fixed)) return false;
    item.count = static_cast<uint32_t>(fixed);
    // The bomb check: an item takes at least one byte, a map pair two.
    const uint64_t min_bytes = kind == MsgpackKind::map ? 2 * fixed : fixed;
    return min_bytes <= input_.size() - pos_;
  };
  const auto signed_int = [&](size_t bytes) {
    uint64_t raw;
    if (!take_uint(bytes, raw)) return false;
    const unsigned shift = 64 - 8 * static_cast<unsigned>(bytes);
    const int64_t v = static_cast<int64_t>(raw << shift) >> shift;  // sign-extend
    if (v >= 0) {
      item.kind = MsgpackKind::uint;
      item.uint = static_cast<uint64_t>(v);
    } else {
      item.kind = MsgpackKind::negative_int;
      item.negative = v;
    }
    return true;
  };

  if (b <= 0x7f) {
    item.kind = MsgpackKind::uint;
    item.uint = b;
    return true;
  }
  if (b >= 0xe0) {
    item.kind = MsgpackKind::negative_int;
    item.negative = static_cast<int8_t>(b);
    return true;
  }
  if (b <= 0x8f) return container(MsgpackKind::map, 0, b & 0x0f);
  if (b <= 0x9f) return container(MsgpackKind::array, 0, b & 0x0f);
  if (b <= 0xbf) {
    n = b & 0x1f;
    return data(MsgpackKind::str, 0);
  }
  switch (b) {
    case 0xc0:
      item.kind = MsgpackKind::nil;
      return true;
    case 0xc2:
    case 0xc3:
      item.kind = MsgpackKind::boolean;
      item.boolean = b == 0xc3;
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return data(MsgpackKind::bin, size_t{1} << (b - 0xc4));
    case 0xc7:
    case 0xc8:
    case 0xc9:
      return ext(size_t{1} << (b - 0xc7), 0);
    case 0xca: {
      uint64_t raw;
      if (!take_uint(4, raw)) return false;
      item.kind = MsgpackKind::float32;
      item.number = std::bit_cast<float>(static_cast<uint32_t>(raw));
      return true;
    }
    case 0xcb: {
      uint64_t raw;
      if (!take_uint(8, raw)) return false;
      item.kind = MsgpackKind::float64;
      item.number = std::bit_cast<double>(raw);
      return true;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      item.kind = MsgpackKind::uint;
      return take_uint(size_t{1} << (b - 0xcc), item.uint);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      return signed_int(size_t{1} << (b - 0xd0));
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      return ext(0, uint64_t{1} << (b - 0xd4));
    case 0xd9:
    case 0xda:
    case 0xdb:
      return data(MsgpackKind::str, size_t{1} << (b - 0xd9));
    case 0xdc:
    case 0xdd:
      return container(MsgpackKind::array, size_t{2} << (b - 0xdc), 0);
    case 0xde:
    case 0xdf:
      return container(MsgpackKind::map, size_t{2} << (b - 0xde), 0);
    default:  // 0xc1: never used
      return false;
  }
}

namespace {

ScanResult scan(MsgpackReader& reader, const MsgpackItem& item, size_t max_depth, size_t level, bool inspect,
                MsgpackFacts& facts) {
  switch (item.kind) {
    case MsgpackKind::str:
      if (inspect && !facts.invalid_utf8 &&
          !ws::is_valid_utf8(std::as_bytes(std::span(item.data.data(), item.data.size())))) {
        facts.invalid_utf8 = true;
      }
      return ScanResult::ok;
    case MsgpackKind::float32:
    case MsgpackKind::float64:
      if (!std::isfinite(item.number)) facts.non_finite = true;
      return ScanResult::ok;
    case MsgpackKind::array:
    case MsgpackKind::map: {
      if (level == max_depth) return ScanResult::too_deep;
      if (level + 1 > facts.depth) facts.depth = level + 1;
      const uint64_t items = item.kind == MsgpackKind::map ? uint64_t{2} * item.count : item.count;
      for (uint64_t i = 0; i < items; ++i) {
        MsgpackItem child;
        if (!reader.read(child)) return ScanResult::malformed;
        const ScanResult r = scan(reader, child, max_depth, level + 1, inspect, facts);
        if (r != ScanResult::ok) return r;
      }
      return ScanResult::ok;
    }
    default:
      return ScanResult::ok;
  }
}

}  // namespace

ScanResult scan_msgpack_value(MsgpackReader& reader, const MsgpackItem& item, size_t max_depth, bool inspect,
                              MsgpackFacts& facts) {
  return scan(reader, item, max_depth, 0, inspect, facts);
}

}  // namespace wshub::hub
