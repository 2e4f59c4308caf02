#pragma once
// One run of the rtt scenario, as a table and as a JSON line.
#include "Options.h"
#include "RttWorker.h"
#include "Scenario.h"

namespace wshub::bench {

struct RttReport {
  const Options* options = nullptr;
  int subscribed = 0;  // clients that had their `subscribed` and took part
  int threads = 1;
  RttResult result;    // every worker's, merged
  CpuUse cpu;          // over the window
};

void print_rtt_table(const RttReport& report);
void print_rtt_json(const RttReport& report);

}  // namespace wshub::bench
