#pragma once
// Process-wide logging on spdlog's default logger, written to stderr:
//   text: 2026-11-25T10:00:00.123Z info  [worker 0] listening on 0.0.0.0:8000
//   json: {"ts":"2026-11-25T10:00:00.123Z","level":"info","msg":"listening on ...","component":"worker 0"}
// Times are UTC with milliseconds. The component is the logger's name: workers log
// through component_logger("worker 0"); the default logger has none, and then the text
// form omits the brackets and the JSON form omits the field. Level names are trace,
// debug, info, warn, error, critical.
//
// Thread safety: the sink is spdlog's stderr_sink_mt (one mutex per line written), so
// any thread may log. Call setup_logging once, before starting threads that log:
// replacing the default logger while others use it is not safe.
#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

#include "server/Config.h"
#include "server/LogComponents.h"

namespace wshub::server {

// Installs the default logger with config.level and config.format (validated values;
// anything else falls back to info / text), and points the component loggers at it with
// their levels (config.components).
void setup_logging(const LogConfig& config);

// The same with another sink instead of stderr (tests capture output this way).
void setup_logging(const LogConfig& config, spdlog::sink_ptr sink);

// The logger of a component (LogComponents.h). The same object for the life of the
// process (setup_logging re-points it), so call sites may keep the reference.
spdlog::logger& component_log(LogComponent component);

// SIGHUP: sets the default logger's and every component's level from `config` (the sink
// and format stay). Any thread: spdlog levels are atomic.
void apply_log_levels(const LogConfig& config);

// A logger named `component` sharing the default logger's sinks and level.
std::shared_ptr<spdlog::logger> component_logger(std::string component);

// The line formatter for "text" or "json"; exposed for tests.
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

}  // namespace wshub::server
