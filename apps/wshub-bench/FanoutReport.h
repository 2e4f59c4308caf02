#pragma once
// One rate point of the fanout scenario, as a table row and as a JSON line.
#include <cstdint>
#include <string>

#include "Options.h"
#include "Scenario.h"
#include "SubscriberWorker.h"

namespace wshub::bench {

struct FanoutPoint {
  double rate = 0;                        // publications/s asked for; 0 = open loop
  double point_s = 0;                     // publishing time (warm-up + window)
  uint64_t published = 0;                 // publications sent in the point
  uint64_t acks = 0, publish_errors = 0;  // replies counted by the end of the drain
  uint64_t max_lag_ns = 0;                // how far the publisher ran behind its schedule
  // HTTP publisher (PublisherCounts): non-2xx, given up, connections ended (and errors), resent.
  uint64_t http_non_2xx = 0, http_given_up = 0, http_reconnects = 0, http_connection_errors = 0;
  uint64_t http_resent = 0;
  int http_first_bad_status = 0;
  int subscribers = 0;                    // subscribed at the start
  uint64_t dropped = 0;                   // subscribers the server disconnected so far
  SubscriberSample sample;                // deliveries and latency
  uint64_t expected = 0;                  // deliveries the point's accepted publications call for
  uint64_t unanswered = 0;                // publications sent (queued) with no reply by the drain's end
  uint64_t lost = 0;                      // expected - unique received by the end of the drain
  double drain_s = 0;                     // time the drain took
  uint64_t late = 0;                      // deliveries of this point that arrived after the drain
  double settle_s = 0;                    // time waited for them
  CpuUse cpu;                             // over the window
  std::string first_error;
};

void print_fanout_header(const Options& options, int subscribers, int processes, int sources);
void print_fanout_row(const FanoutPoint& point);
void print_fanout_json(const Options& options, const FanoutPoint& point, int processes);

}  // namespace wshub::bench
