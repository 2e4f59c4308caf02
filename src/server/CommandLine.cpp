#include "server/CommandLine.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "server/ConfigLoader.h"

namespace wshub::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfigError = 1;
constexpr int kExitUsageError = 2;

constexpr const char* kFooter = R"(Configuration sources, lowest precedence first:
  built-in defaults < --dev < config file < environment < --listen/--workers.
Every key of the config file can be set in the environment as WSHUB_<SECTION>_<KEY>,
e.g. WSHUB_SERVER_LISTEN=0.0.0.0:9000, WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE=1MiB,
WSHUB_WEBSOCKET_DEFLATE_ENABLED=false, WSHUB_LOG_LEVEL=debug. Lists are comma-separated.
An unknown WSHUB_* variable is an error.

Development mode (--dev) listens on 127.0.0.1:8080, serves /echo and accepts any Origin.

Exit status: 0 success, 1 configuration error, 2 usage error.
Every key is documented in docs/configuration.md; config/wshub.example.toml is a starting point.)";

struct Flags {
  std::string config_file;
  std::string check_file;
  bool dev = false;
  bool print_config = false;
  bool version = false;
  std::string listen;
  std::string workers;
};

}  // namespace

std::optional<Config> parse_command_line(int argc, char** argv, char** envp, int& exit_code) {
  return parse_command_line(argc, argv, envp, exit_code, std::cout, std::cerr);
}

std::optional<Config> parse_command_line(int argc, char** argv, char** envp, int& exit_code,
                                         std::ostream& out, std::ostream& err) {
  CLI::App app{"wshub " WSHUB_VERSION ": a real-time WebSocket messaging server.", "wshub"};
  app.footer(kFooter);
  Flags flags;
  CLI::Option* config_option =
      app.add_option("-c,--config", flags.config_file, "Read settings from this TOML file")
          ->type_name("FILE");
  app.add_option(
         "--check-config", flags.check_file,
         "Check this TOML file (with --dev, environment and flags applied), print OK or the errors, exit")
      ->type_name("FILE")
      ->excludes(config_option);
  app.add_flag("--dev", flags.dev, "Development mode: 127.0.0.1:8080, /echo on, any Origin (defaults only)");
  // Kept as text: the key table parses and range-checks them exactly as it does the
  // file and the environment, so all three give the same errors.
  CLI::Option* listen_option =
      app.add_option("--listen", flags.listen, "Listen address, overrides server.listen")
          ->type_name("HOST:PORT");
  CLI::Option* workers_option = app.add_option("--workers", flags.workers,
                                               "Worker threads (0 = one per core), overrides server.workers")
                                    ->type_name("N");
  app.add_flag("--print-config", flags.print_config, "Print the effective configuration as TOML and exit");
  app.add_flag("--version", flags.version, "Print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    exit_code = kExitOk;
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    err << "wshub: " << e.what() << "\nRun 'wshub --help' for usage.\n";
    exit_code = kExitUsageError;
    return std::nullopt;
  }
  if (!flags.check_file.empty() && !flags.config_file.empty()) {
    err << "wshub: --check-config FILE replaces --config FILE; give one of them\nRun 'wshub --help' for "
           "usage.\n";
    exit_code = kExitUsageError;
    return std::nullopt;
  }
  if (flags.version) {
    out << "wshub " WSHUB_VERSION "\n";
    exit_code = kExitOk;
    return std::nullopt;
  }

  Config config;
  if (flags.dev) apply_dev_mode(config);
  try {
    const std::string& file = flags.check_file.empty() ? flags.config_file : flags.check_file;
    if (!file.empty()) load_config_file(file, config);
    apply_environment(envp, config);
  } catch (const ConfigError& e) {
    err << "wshub: " << e.what() << "\n";
    exit_code = kExitConfigError;
    return std::nullopt;
  }
  try {
    if (listen_option->count() > 0) apply_setting("server.listen", flags.listen, "--listen", config);
    if (workers_option->count() > 0) apply_setting("server.workers", flags.workers, "--workers", config);
  } catch (const ConfigError& e) {
    err << "wshub: " << e.what() << "\nRun 'wshub --help' for usage.\n";
    exit_code = kExitUsageError;
    return std::nullopt;
  }
  try {
    validate(config);
  } catch (const ConfigError& e) {
    err << "wshub: " << e.what() << "\n";
    exit_code = kExitConfigError;
    return std::nullopt;
  }

  if (!flags.check_file.empty()) out << flags.check_file << ": configuration OK\n";
  if (flags.print_config) out << render_config(config);
  if (!flags.check_file.empty() || flags.print_config) {
    exit_code = kExitOk;
    return std::nullopt;
  }
  exit_code = kExitOk;
  return config;
}

}  // namespace wshub::server
