#include "server/PrometheusWriter.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace wshub::server {

namespace {

std::string_view type_name(PrometheusWriter::Type type) {
  switch (type) {
    case PrometheusWriter::Type::counter:
      return "counter";
    case PrometheusWriter::Type::gauge:
      return "gauge";
    case PrometheusWriter::Type::histogram:
      return "histogram";
  }
  return "untyped";
}

bool name_char(char c, bool first) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return letter || (!first && c >= '0' && c <= '9');
}

// A double as the format writes it: shortest round-trip form, +Inf/-Inf/NaN spelt out.
std::string format_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

}  // namespace

bool PrometheusWriter::valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0)) return false;
  }
  return true;
}

void PrometheusWriter::append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void PrometheusWriter::family(std::string_view name, Type type, std::string_view help) {
  assert(valid_name(name));
  current_ = name;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes only backslash and newline
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type_name(type);
  out_ += '\n';
}

void PrometheusWriter::begin_sample(std::string_view suffix, Labels labels, std::string_view extra_name,
                                    std::string_view extra_value) {
  out_ += current_;
  out_ += suffix;
  if (labels.size() == 0 && extra_name.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  auto add = [&](std::string_view name, std::string_view value) {
    assert(valid_name(name));
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    append_label_value(out_, value);
    out_ += '"';
  };
  for (const Label& label : labels) add(label.first, label.second);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out_ += "} ";
}

void PrometheusWriter::sample(Labels labels, uint64_t value) {
  begin_sample({}, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusWriter::sample(Labels labels, int64_t value) {
  begin_sample({}, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusWriter::sample(Labels labels, double value) {
  begin_sample({}, labels);
  out_ += format_double(value);
  out_ += '\n';
}

void PrometheusWriter::histogram(Labels labels, const hub::DurationHistogram::Snapshot& snapshot) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < hub::DurationHistogram::kBuckets; ++i) {
    cumulative += snapshot.counts[i];
    std::string le = i < hub::DurationHistogram::kBoundsMicros.size()
                         ? format_double(static_cast<double>(hub::DurationHistogram::kBoundsMicros[i]) / 1e6)
                         : std::string("+Inf");
    begin_sample("_bucket", labels, "le", le);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  begin_sample("_sum", labels);
  out_ += format_double(static_cast<double>(snapshot.sum_nanos) / 1e9);
  out_ += '\n';
  begin_sample("_count", labels);
  out_ += std::to_string(cumulative);
  out_ += '\n';
}

void PrometheusWriter::counter(std::string_view name, std::string_view help, uint64_t value) {
  family(name, Type::counter, help);
  sample(value);
}

void PrometheusWriter::gauge(std::string_view name, std::string_view help, double value) {
  family(name, Type::gauge, help);
  sample({}, value);
}

}  // namespace wshub::server
