#include "server/Duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace wshub::server {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t milliseconds;
};

// Largest first: format_duration picks the first unit that divides exactly.
constexpr Unit kUnits[] = {{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string_view::npos) return std::nullopt;
  std::string_view suffix = text.substr(digits);
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    int64_t count = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + digits, count);
    if (error != std::errc() || end != text.data() + digits) return std::nullopt;
    if (count > std::numeric_limits<Duration::rep>::max() / unit.milliseconds) return std::nullopt;
    return Duration(count * unit.milliseconds);
  }
  return std::nullopt;
}

std::string describe_duration_error(std::string_view text) {
  std::string quoted = "\"" + std::string(text) + "\"";
  if (all_digits(text)) {
    return "duration " + quoted + " has no unit; write e.g. \"" + std::string(text) + "s\" or \"" +
           std::string(text) + "ms\" (units: ms, s, m, h)";
  }
  return "invalid duration " + quoted +
         "; expected an integer and a unit (ms, s, m, h), e.g. \"250ms\" or \"10s\"";
}

std::string format_duration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  for (const Unit& unit : kUnits) {
    if (ms % unit.milliseconds == 0) return std::to_string(ms / unit.milliseconds) + std::string(unit.suffix);
  }
  return std::to_string(ms) + "ms";  // unreachable: the last unit divides everything
}

}  // namespace wshub::server
