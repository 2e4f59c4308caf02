#pragma once
// The conformance suite's fixture: what every hub::Broker implementation is tested with (see
// broker_conformance_test.cpp for the rules the tests follow and the list of implementations).
// In a named namespace: TEST_Ps in several files share this one fixture type.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "broker_test_support.h"
#include "hub/Broker.h"

namespace wshub::broker::conformance {

using namespace std::chrono_literals;
using namespace wshub::broker::testing;

struct BrokerUnderTest {
  std::string name;
  // Null when the implementation's server is not installed: the test is skipped.
  std::function<std::unique_ptr<hub::Broker>()> make;
  // Extra wait after a fence before asserting an absence: 0 for brokers that deliver
  // synchronously; a network broker may deliver two channels over different connections.
  std::chrono::milliseconds quiet_period{0};
  // NATS alone carries publications only: the tests of history, offsets and presence skip.
  bool keeps_history = true;
  bool keeps_presence = true;
};

// At the top of a TEST_P body: skips for an implementation without the feature.
#define WSHUB_REQUIRE_HISTORY() \
  if (!GetParam().keeps_history) GTEST_SKIP() << GetParam().name << " keeps no history"
#define WSHUB_REQUIRE_PRESENCE() \
  if (!GetParam().keeps_presence) GTEST_SKIP() << GetParam().name << " keeps no presence"

inline void PrintTo(const BrokerUnderTest& broker, std::ostream* out) {
  *out << broker.name;
}

inline hub::HistoryOptions history_options(size_t size, std::chrono::milliseconds ttl = 0ms) {
  hub::HistoryOptions options;
  options.size = size;
  options.ttl = ttl;
  return options;
}

inline hub::PublishOptions publish_options(size_t size, std::chrono::milliseconds ttl = 0ms) {
  hub::PublishOptions options;
  options.history = history_options(size, ttl);
  return options;
}

// Distinguishes this run's channels from every earlier run's on a shared server.
inline const std::string& run_id() {
  static const std::string id = [] {
    std::random_device device;
    return std::to_string(device() % 1'000'000'000u);
  }();
  return id;
}

class BrokerConformance : public ::testing::TestWithParam<BrokerUnderTest> {
 protected:
  void SetUp() override {
    broker_ = GetParam().make();
    if (!broker_)
      GTEST_SKIP() << GetParam().name << ": its server is not installed (redis-server, nats-server)";
    broker_->set_event_handler(&handler_);
  }

  // A fresh channel name, unique to this test and run.
  std::string channel(const std::string& label = "") {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return "conformance:" + run_id() + "-" + test->name() + "-" + std::to_string(next_channel_++) + label;
  }

  // Everything published before the call has been delivered (or never will be).
  void settle() {
    if (fence_.empty()) {
      fence_ = channel("-fence");
      subscribe(*broker_, fence_);
    }
    const size_t before = handler_.publications(fence_).size();
    publish(*broker_, make_publication(fence_, "{}"), publish_options(0));
    ASSERT_TRUE(handler_.wait_for_publications(fence_, before + 1));
    std::this_thread::sleep_for(GetParam().quiet_period);
  }

  // Publishes `n` publications {"n":1}..{"n":n} and returns the positions.
  std::vector<hub::StreamPosition> publish_n(const std::string& ch, int n,
                                             const hub::PublishOptions& options) {
    std::vector<hub::StreamPosition> positions;
    for (int i = 1; i <= n; ++i) {
      positions.push_back(
          publish(*broker_, make_publication(ch, "{\"n\":" + std::to_string(i) + "}"), options));
    }
    return positions;
  }

  RecordingHandler handler_;  // declared first: outlives the broker
  std::unique_ptr<hub::Broker> broker_;
  std::string fence_;
  int next_channel_ = 0;
};

inline std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t o = first; o <= last; ++o) out.push_back(o);
  return out;
}

}  // namespace wshub::broker::conformance
