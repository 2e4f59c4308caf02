#include "server/ConnectionLog.h"

#include <spdlog/spdlog.h>

#include "server/Logging.h"

namespace wshub::server {

std::string sanitize_log_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    out += printable ? c : '?';
  }
  return out;
}

namespace {
std::string_view or_dash(std::string_view s) { return s.empty() ? std::string_view("-") : s; }
}  // namespace

void log_connection_open(const ConnectionLogEntry& e) {
  spdlog::logger& log = component_log(LogComponent::conn);
  if (!log.should_log(spdlog::level::info)) return;
  log.info("connection open: client={} user={} remote={} subprotocol={}", or_dash(e.client),
           sanitize_log_text(or_dash(e.user)), e.remote, or_dash(e.subprotocol));
}

void log_connection_closed(const ConnectionLogEntry& e, std::chrono::nanoseconds duration, uint16_t code,
                           std::string_view reason) {
  spdlog::logger& log = component_log(LogComponent::conn);
  if (!log.should_log(spdlog::level::info)) return;
  double seconds = std::chrono::duration<double>(duration).count();
  log.info("connection closed: client={} user={} remote={} duration={:.3f}s code={} reason=\"{}\"",
           or_dash(e.client), sanitize_log_text(or_dash(e.user)), e.remote, seconds, code,
           sanitize_log_text(reason));
}

}  // namespace wshub::server
