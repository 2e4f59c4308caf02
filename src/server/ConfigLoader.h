#pragma once
// Reading configuration from its three textual sources (the TOML file, WSHUB_*
// environment variables, development mode) into a Config, checking it, and printing it.
// Every function here runs at start-up, so errors are exceptions (STYLE.md: edges).
//
// Precedence, lowest first (parse_command_line applies them in this order):
//   built-in defaults < --dev < config file < environment < command-line flags.
// Each step writes only the keys it mentions, so a later source overrides a key without
// resetting the others.
#include <stdexcept>
#include <string>
#include <string_view>

#include "server/Config.h"

namespace wshub::server {

// The message names the key and where it came from: "config.toml:12: unknown key
// 'websocket.max_mesage_size'", "environment WSHUB_SERVER_WORKERS: server.workers: ...".
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads the TOML file at `path` into `config`, on top of what is there, and records the
// path in config.config_file. Throws ConfigError naming the file, the line and the key
// for a syntax error, an unknown section or key, a wrong type or an invalid value.
void load_config_file(const std::string& path, Config& config);

// The same from TOML text already in memory; `source_name` is used in messages.
void load_config_text(std::string_view text, const std::string& source_name, Config& config);

// Applies WSHUB_<SECTION>_<KEY>=value entries of `envp` (a null-terminated environ-style
// array; null is allowed) to `config`. Values use the key's type: booleans true/false/1/0,
// sizes "1048576" or "1MiB", durations "10s", lists comma-separated. Any other WSHUB_*
// variable is an error naming it, except wshub's tool variables (see ConfigKeys.h).
void apply_environment(char** envp, Config& config);

// Sets one key from its textual form, as the environment and flags write it:
// apply_setting("server.listen", "127.0.0.1:9000", "--listen", config).
// `origin` prefixes the error message. Throws ConfigError.
void apply_setting(std::string_view key, std::string_view text, const std::string& origin, Config& config);

// Development mode: listen on 127.0.0.1:8080, serve /echo, accept any Origin. It sets
// defaults only: a file, the environment or a flag applied afterwards still wins.
void apply_dev_mode(Config& config);

// The server API key of --dev (loopback only; documented in docs/server-api.md).
inline constexpr std::string_view kDevApiKey = "wshub-dev-api-key";
// --dev's token secret, for the demos' sign-in (server/DemoPages.h). Public, like the key.
inline constexpr std::string_view kDevHmacSecret = "wshub-dev-hmac-secret-for-demos-only-0123";
// A shorter api.key is refused: it would be guessable.
inline constexpr size_t kMinApiKeyBytes = 16;
// admin.password is typed by people, not generated: still, not a short one.
inline constexpr size_t kMinAdminPasswordBytes = 12;

// Checks every key's own rules (a Config may be built in code, not only by the loader)
// and the rules between keys: a certificate needs a private key and vice versa.
// Throws ConfigError listing every problem, one per line.
void validate(const Config& config);

// The effective configuration as TOML that load_config_text reads back to an equal
// Config; secret values are masked. For --print-config.
std::string render_config(const Config& config);

}  // namespace wshub::server
