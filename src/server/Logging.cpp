#include "server/Logging.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <ctime>
#include <mutex>

namespace wshub::server {
namespace {

spdlog::level::level_enum level_from_name(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off") return spdlog::level::off;
  return spdlog::level::info;
}

// Our names, not spdlog's ("warning", "err" differ between its short and long tables).
std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// 2026-11-25T10:00:00.123Z
void append_timestamp(spdlog::log_clock::time_point time, spdlog::memory_buf_t& dest) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(since_epoch.count() / 1000);
  int millis = static_cast<int>(since_epoch.count() % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

// RFC 8259 §7 string escaping. Bytes >= 0x80 pass through unchanged.
void append_json_string(std::string_view text, spdlog::memory_buf_t& dest) {
  dest.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      case '\r':
        dest.append(std::string_view("\\r"));
        break;
      case '\t':
        dest.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          dest.push_back(c);
        }
    }
  }
  dest.push_back('"');
}

std::string_view payload(const spdlog::details::log_msg& msg) {
  return std::string_view(msg.payload.data(), msg.payload.size());
}

std::string_view component(const spdlog::details::log_msg& msg) {
  return std::string_view(msg.logger_name.data(), msg.logger_name.size());
}

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append_timestamp(msg.time, dest);
    fmt::format_to(std::back_inserter(dest), " {:<5} ", level_name(msg.level));
    if (!component(msg).empty()) fmt::format_to(std::back_inserter(dest), "[{}] ", component(msg));
    dest.append(payload(msg));
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    dest.append(std::string_view(R"({"ts":")"));
    append_timestamp(msg.time, dest);
    dest.append(std::string_view(R"(","level":")"));
    dest.append(level_name(msg.level));
    dest.append(std::string_view(R"(","msg":)"));
    append_json_string(payload(msg), dest);
    if (!component(msg).empty()) {
      dest.append(std::string_view(R"(,"component":)"));
      append_json_string(component(msg), dest);
    }
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

// The component loggers live as long as the process; they are created on first use with
// the default logger's sinks and re-pointed by setup_logging (before threads start).
static std::array<std::shared_ptr<spdlog::logger>, kLogComponentNames.size()>& component_loggers() {
  static std::array<std::shared_ptr<spdlog::logger>, kLogComponentNames.size()> loggers;
  static std::once_flag created;
  std::call_once(created, [] {
    for (size_t i = 0; i < loggers.size(); ++i) loggers[i] = component_logger(std::string(kLogComponentNames[i]));
  });
  return loggers;
}

void setup_logging(const LogConfig& config, spdlog::sink_ptr sink) {
  sink->set_formatter(make_log_formatter(config.format));
  auto logger = std::make_shared<spdlog::logger>("", sink);
  // Warnings and errors reach the terminal or collector even if the process dies next.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  for (auto& component : component_loggers()) {
    component->sinks().assign(1, sink);
    component->flush_on(spdlog::level::warn);
  }
  apply_log_levels(config);
}

spdlog::logger& component_log(LogComponent component) {
  return *component_loggers()[static_cast<size_t>(component)];
}

void apply_log_levels(const LogConfig& config) {
  spdlog::level::level_enum base = level_from_name(config.level);
  spdlog::default_logger()->set_level(base);
  std::string error;
  std::optional<ComponentLevels> levels = parse_component_levels(config.components, error);
  auto& loggers = component_loggers();
  for (size_t i = 0; i < loggers.size(); ++i) {
    const std::optional<std::string>* own = levels ? &(*levels)[i] : nullptr;
    loggers[i]->set_level(own && own->has_value() ? level_from_name(**own) : base);
  }
}

void setup_logging(const LogConfig& config) {
  setup_logging(config, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

std::shared_ptr<spdlog::logger> component_logger(std::string component) {
  std::shared_ptr<spdlog::logger> base = spdlog::default_logger();
  auto logger =
      std::make_shared<spdlog::logger>(std::move(component), base->sinks().begin(), base->sinks().end());
  logger->set_level(base->level());
  logger->flush_on(base->flush_level());
  return logger;
}

}  // namespace wshub::server
