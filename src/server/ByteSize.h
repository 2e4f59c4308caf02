#pragma once
// Sizes in configuration: a plain integer of bytes, or an integer and a binary unit
// ("1KiB", "16MiB", "1GiB"). Decimal units ("16MB") are rejected rather than guessed:
// whether MB means 10^6 or 2^20 is exactly the ambiguity a limit must not have.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::server {

// Parses "<digits>" or "<digits><unit>" with unit B, KiB, MiB or GiB. No sign, no spaces.
std::optional<uint64_t> parse_byte_size(std::string_view text);

// Why `text` is not a size, for error messages; call it only when parse_byte_size failed.
std::string describe_byte_size_error(std::string_view text);

// "16MiB" when a binary unit divides `bytes` exactly, otherwise the plain number ("1000").
std::string format_byte_size(uint64_t bytes);

}  // namespace wshub::server
