#pragma once
// Builds the one-line JSON objects wshub-bench prints (a results file is JSON Lines).
// Keys are ours; strings (labels, error messages, URLs) are escaped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "LatencyHistogram.h"

namespace wshub::bench {

class JsonLine {
 public:
  JsonLine& field(std::string_view key, std::string_view value);
  JsonLine& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonLine& field(std::string_view key, const std::string& value) {
    return field(key, std::string_view(value));
  }
  JsonLine& field(std::string_view key, bool value);
  JsonLine& field(std::string_view key, int64_t value);
  JsonLine& field(std::string_view key, uint64_t value);
  JsonLine& field(std::string_view key, int value) { return field(key, static_cast<int64_t>(value)); }
  // `decimals` digits after the point.
  JsonLine& field(std::string_view key, double value, int decimals);
  // null when empty.
  JsonLine& field(std::string_view key, std::optional<double> value, int decimals);
  // {"p50","p90","p99","p99_9","max","mean"} in microseconds, from nanoseconds; null when empty.
  JsonLine& latency(std::string_view key, const LatencyHistogram& histogram);
  // A value already written as JSON.
  JsonLine& raw(std::string_view key, std::string_view json);

  // The object, closed, with a newline.
  std::string finish();

  static std::string quote(std::string_view s);

 private:
  void key(std::string_view k);
  std::string out_ = "{";
};

}  // namespace wshub::bench
