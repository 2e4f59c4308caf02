#include "server/ByteSize.h"

#include <charconv>
#include <limits>

namespace wshub::server {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t bytes;
};

// Largest first: format_byte_size picks the first unit that divides exactly.
constexpr Unit kUnits[] = {{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}, {"", 1}};

}  // namespace

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) return std::nullopt;
  if (digits == std::string_view::npos) digits = text.size();
  std::string_view suffix = text.substr(digits);
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    uint64_t count = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + digits, count);
    if (error != std::errc() || end != text.data() + digits) return std::nullopt;
    if (count > std::numeric_limits<uint64_t>::max() / unit.bytes) return std::nullopt;
    return count * unit.bytes;
  }
  return std::nullopt;
}

std::string describe_byte_size_error(std::string_view text) {
  std::string quoted = "\"" + std::string(text) + "\"";
  if (text.ends_with("KB") || text.ends_with("MB") || text.ends_with("GB") || text.ends_with("kB")) {
    return "size " + quoted +
           " uses a decimal unit; write KiB, MiB or GiB (powers of 1024) or a number of bytes";
  }
  return "invalid size " + quoted +
         "; expected a number of bytes or an integer and a unit (B, KiB, MiB, GiB)";
}

std::string format_byte_size(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const Unit& unit : kUnits) {
    if (unit.bytes > 1 && bytes % unit.bytes == 0)
      return std::to_string(bytes / unit.bytes) + std::string(unit.suffix);
  }
  return std::to_string(bytes);
}

}  // namespace wshub::server
