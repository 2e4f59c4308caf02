#pragma once
// The table of every configuration key: the single source of truth shared by the TOML
// loader, the WSHUB_* environment, --print-config, validate() and the documentation test.
// Adding a key is one entry in ConfigKeys.cpp (plus its line in docs/configuration.md,
// which a unit test enforces).
//
// A key knows its TOML name ("websocket.deflate.enabled"), its value type, how to read
// and write its Config field, and its own range rules. Rules that involve two keys
// (a certificate without a private key) live in validate(), not here.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/Config.h"

namespace wshub::server {

// How a value is written in TOML and in the environment.
enum class ValueType {
  Boolean,     // TOML true/false; env true/false/1/0
  Integer,     // TOML integer; env decimal digits
  ByteSize,    // TOML integer or "16MiB"; env the same without quotes
  Duration,    // TOML "10s"; env 10s
  String,      // TOML string; env verbatim
  StringList,  // TOML array of strings; env comma-separated
};

// A value after its syntax was checked against the key's type: Boolean -> bool,
// Integer and ByteSize -> int64_t (byte sizes already converted to bytes), Duration ->
// Duration, String -> string, StringList -> vector.
using ConfigValue = std::variant<bool, int64_t, Duration, std::string, std::vector<std::string>>;

struct ConfigKey {
  std::string_view name;  // "section.key" as written in TOML; sections may be dotted
  ValueType type;
  std::string_view help;  // one line, used by docs tests and --print-config
  bool secret = false;    // masked by render_config (none yet; API keys will be)
  // Checks the key's own rules (range, allowed words, address syntax); returns a
  // sentence saying what is wrong, or nothing. `value` has the variant member of `type`.
  std::function<std::optional<std::string>(const ConfigValue&)> check;
  // Stores a value that passed `check`.
  std::function<void(Config&, const ConfigValue&)> store;
  std::function<ConfigValue(const Config&)> load;

  std::string_view section() const { return name.substr(0, name.rfind('.')); }
  std::string_view leaf() const { return name.substr(name.rfind('.') + 1); }
  // "websocket.deflate.enabled" -> "WSHUB_WEBSOCKET_DEFLATE_ENABLED"
  std::string environment_name() const;
};

// Every key, grouped by section, sections in the order --print-config shows them.
std::span<const ConfigKey> config_keys();

// The key named `name` ("server.workers"), or nullptr.
const ConfigKey* find_config_key(std::string_view name);

// True when `name` is a section of some key ("websocket", "websocket.deflate").
bool is_config_section(std::string_view name);

// WSHUB_* variables that belong to wshub's tools rather than to the server's
// configuration (the test harness exports them to the processes it starts);
// apply_environment ignores them instead of reporting them as unknown.
std::span<const std::string_view> tool_environment_variables();

// For "did you mean" hints: the known key name (or environment name) closest to a
// misspelt one, if it is within two edits; empty otherwise.
std::string closest_config_key(std::string_view name);
std::string closest_environment_name(std::string_view name);
std::string closest_config_section(std::string_view name);

}  // namespace wshub::server
