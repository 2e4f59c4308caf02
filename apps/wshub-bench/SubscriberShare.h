#pragma once
// The subscribers one generator process holds in the fanout scenario, spread over its
// threads (one SubscriberWorker each), behind the Share command interface:
//   open                      start the threads; subscribers connect and subscribe
//   ready SECONDS             wait until every subscriber is subscribed or failed (or the
//                             time is up): "SUBSCRIBED FAILED C0,C1,..|first error"
//                             (Ck = subscribed on channel k)
//   window START_NS END_NS    the measurement window of the next rate point
//   progress                  "UNIQUE DROPPED": deliveries received so far, cumulative
//   snapshot                  the counts since the last snapshot (SubscriberSample) and
//                             the histogram: "WINDOW_DELIVERIES WINDOW_BYTES UNIQUE DUPLICATES
//                             REORDERED MISROUTED ERRORS DROPPED|HISTOGRAM|FIRST ERROR"
//   cpu                       this process's CPU seconds
#include <memory>
#include <thread>
#include <vector>

#include "ClientConnection.h"
#include "Share.h"
#include "SubscriberWorker.h"

namespace wshub::bench {

struct SubscriberPlan {
  DialTarget target;
  int channels = 1;
  int first = 0;  // subscriber numbers first .. first + count - 1
  int count = 0;
  int threads = 1;
  int concurrency = 256;  // per thread
};

class SubscriberShare final : public Share {
 public:
  explicit SubscriberShare(SubscriberPlan plan);
  ~SubscriberShare() override;
  std::string handle(std::string_view command) override;

 private:
  SubscriberPlan plan_;
  std::vector<std::unique_ptr<SubscriberWorker>> workers_;
  std::vector<std::thread> threads_;
};

// Parses a snapshot reply into `sample` (merged), adds its dropped count and keeps its
// first error if `error` is empty; false when the reply is an error or malformed.
bool parse_snapshot(std::string_view reply, SubscriberSample& sample, uint64_t& dropped, std::string& error);

}  // namespace wshub::bench
