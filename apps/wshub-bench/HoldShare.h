#pragma once
// The connections one generator process holds in the idle scenario, spread over its
// threads (one HoldWorker each), behind the Share command interface:
//   open               start the threads: connect and upgrade
//   ready SECONDS      wait until every connection is open or failed: "OPEN FAILED|first error"
//   status             "OPEN DROPPED"
//   close SECONDS      close all cleanly, wait: "CLEAN CLOSED|first error"
//   cpu, rss           this process's CPU seconds, and its VmRSS in KiB
#include <memory>
#include <thread>
#include <vector>

#include "ClientConnection.h"
#include "HoldWorker.h"
#include "Share.h"

namespace wshub::bench {

struct HoldPlan {
  DialTarget target;
  int first = 0;
  int count = 0;
  int threads = 1;
  int concurrency = 256;  // per thread
};

class HoldShare final : public Share {
 public:
  explicit HoldShare(HoldPlan plan);
  ~HoldShare() override;
  std::string handle(std::string_view command) override;

 private:
  HoldPlan plan_;
  std::vector<std::unique_ptr<HoldWorker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace wshub::bench
