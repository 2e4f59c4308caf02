#pragma once
// The outcome of one run and its two renderings: a table for people, a JSON line for
// bench/run.sh (one object per run, so a results file is JSON Lines).
#include <optional>
#include <string>

#include "LatencyHistogram.h"
#include "Options.h"

namespace wshub::bench {

struct EchoReport {
  const Options* options = nullptr;
  double window_seconds = 0;   // measured wall time
  uint64_t messages = 0;       // echoes received in the window
  uint64_t payload_bytes = 0;  // their payload bytes
  LatencyHistogram latency;    // nanoseconds
  double generator_cpu_seconds = 0;
  std::optional<double> server_cpu_seconds;  // with --server-pid
  std::optional<double> host_cpu_seconds;    // every process on the machine, ours included
  int errors = 0;                            // connections lost
  std::string first_error;
};

void print_table(const EchoReport& report);
void print_json_line(const EchoReport& report);

}  // namespace wshub::bench
