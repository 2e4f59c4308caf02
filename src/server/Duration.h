#pragma once
// Durations in configuration: an integer and a unit ("250ms", "10s", "5m", "1h").
// A unit is mandatory: a bare "10" is ambiguous (seconds? milliseconds?) and has bitten
// every project that accepted it, so it is rejected with a message that says so.
#include <optional>
#include <string>
#include <string_view>

#include "server/Config.h"

namespace wshub::server {

// Parses "<digits><unit>" with unit ms, s, m or h; no sign, no spaces, no fractions.
// Returns nullopt for anything else, including values that overflow Duration.
std::optional<Duration> parse_duration(std::string_view text);

// Why `text` is not a duration, for error messages; call it only when parse_duration failed.
std::string describe_duration_error(std::string_view text);

// The largest unit that represents `d` exactly: 3'600'000ms -> "1h", 90'000ms -> "90s".
// parse_duration(format_duration(d)) == d for every non-negative d.
std::string format_duration(Duration d);

}  // namespace wshub::server
