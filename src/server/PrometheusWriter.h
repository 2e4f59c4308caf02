#pragma once
// Builds a page of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/):
//
//   # HELP wshub_connections_accepted_total TCP connections accepted.
//   # TYPE wshub_connections_accepted_total counter
//   wshub_connections_accepted_total 42
//   wshub_websocket_closes_total{code="1000"} 7
//
// A family (one metric name) is started once with its type and help, and all of its
// samples follow it, as the format requires. Label values are escaped (\ " and newline),
// and so is the help text (\ and newline). Names are the caller's constants and must
// match [a-zA-Z_:][a-zA-Z0-9_:]* (asserted, never derived from input).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "hub/DurationHistogram.h"

namespace wshub::server {

class PrometheusWriter {
 public:
  enum class Type { counter, gauge, histogram };
  using Label = std::pair<std::string_view, std::string_view>;
  using Labels = std::initializer_list<Label>;

  // Writes the # HELP and # TYPE lines of a new family.
  void family(std::string_view name, Type type, std::string_view help);

  // One sample of the current family (counter or gauge).
  void sample(Labels labels, uint64_t value);
  void sample(Labels labels, int64_t value);
  void sample(Labels labels, double value);
  void sample(uint64_t value) { sample({}, value); }

  // The _bucket (cumulative, with le in seconds and +Inf), _sum and _count samples of one
  // histogram of the current family.
  void histogram(Labels labels, const hub::DurationHistogram::Snapshot& snapshot);

  // Shorthands: a family with one unlabelled sample.
  void counter(std::string_view name, std::string_view help, uint64_t value);
  void gauge(std::string_view name, std::string_view help, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  static bool valid_name(std::string_view name);
  // "a\"b" -> a\"b as it appears between the quotes of a label value.
  static void append_label_value(std::string& out, std::string_view value);

 private:
  void begin_sample(std::string_view suffix, Labels labels, std::string_view extra_name = {},
                    std::string_view extra_value = {});
  std::string out_;
  std::string current_;  // the family's name
};

}  // namespace wshub::server
