#include "JsonLine.h"

#include <cstdio>

namespace wshub::bench {

std::string JsonLine::quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

void JsonLine::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  out_ += quote(k);
  out_ += ':';
}

JsonLine& JsonLine::field(std::string_view k, std::string_view value) {
  key(k);
  out_ += quote(value);
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, int64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, uint64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, double value, int decimals) {
  key(k);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  out_ += buf;
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, std::optional<double> value, int decimals) {
  if (value) return field(k, *value, decimals);
  key(k);
  out_ += "null";
  return *this;
}

JsonLine& JsonLine::latency(std::string_view k, const LatencyHistogram& h) {
  if (h.count() == 0) return raw(k, "null");
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f,\"mean\":%.1f}",
                us(h.value_at_quantile(0.50)), us(h.value_at_quantile(0.90)), us(h.value_at_quantile(0.99)),
                us(h.value_at_quantile(0.999)), us(h.max()), h.mean() / 1e3);
  return raw(k, buf);
}

JsonLine& JsonLine::raw(std::string_view k, std::string_view json) {
  key(k);
  out_ += json;
  return *this;
}

std::string JsonLine::finish() {
  return out_ + "}\n";
}

}  // namespace wshub::bench
