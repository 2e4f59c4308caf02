#pragma once
// The wshub command line:
//   wshub [--config FILE] [--dev] [--listen HOST:PORT] [--workers N] [--print-config]
//   wshub --check-config FILE [--dev] [--listen ...] [--workers ...]
//   wshub --help | --version
// It assembles the Config in precedence order, lowest first:
//   built-in defaults < --dev < config file < WSHUB_* environment < --listen/--workers,
// then validates it. --dev only changes defaults, so a file, variable or flag still wins.
#include <iosfwd>
#include <optional>

#include "server/Config.h"

namespace wshub::server {

// Returns the final, validated Config when the server should start. Otherwise prints to
// stdout (help, version, --print-config, "--check-config: OK") or stderr (errors), sets
// `exit_code` and returns nullopt so that main() exits with it:
//   0  --help, --version, --print-config, --check-config of a valid file
//   1  configuration errors (file, environment, validation)
//   2  usage errors (unknown flag, missing argument, bad flag value)
std::optional<Config> parse_command_line(int argc, char** argv, char** envp, int& exit_code);

// The same, printing to `out` and `err` instead of stdout and stderr (for tests).
std::optional<Config> parse_command_line(int argc, char** argv, char** envp, int& exit_code,
                                         std::ostream& out, std::ostream& err);

}  // namespace wshub::server
