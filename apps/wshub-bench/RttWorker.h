#pragma once
// One generator thread of the rtt scenario: a net::EventLoop with its share of
// wshub::client::Client connections (the C++ client of clients/cpp, as an application uses it).
//
// Each client subscribes to its own channel bench:rtt:<i>; once the run starts it keeps exactly
// one round trip going: publish {"seq":S,"t":T} (T = CLOCK_MONOTONIC ns when the publish is
// made), wait for both the `ack` (publish -> ack latency) and the publication's delivery back
// on its own subscription (T -> receipt latency), then publish the next one at once. A round
// trip whose delivery has not come kRoundTripTimeout after the publish is counted missing and
// the next one starts, so one lost delivery cannot stall a client for the rest of the run.
//
// Threads: the main thread moves `RttControl::phase` and posts start() and stop() to the
// loop; everything else runs on the loop thread. result() is read after the thread ended.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "LatencyHistogram.h"
#include "net/EventLoop.h"
#include "net/TimingWheel.h"
#include "wshub/client/Client.h"

namespace wshub::bench {

enum class RttPhase : int { subscribe, warmup, measure, stop };

// Shared by the main thread and the workers.
struct RttControl {
  std::atomic<RttPhase> phase{RttPhase::subscribe};
  std::atomic<int> subscribed{0};  // clients whose first `subscribed` arrived
  std::atomic<int> failed{0};      // clients refused, or disconnected before subscribing
};

struct RttResult {
  uint64_t round_trips = 0;       // completed in the window (ack and delivery both back)
  LatencyHistogram ack;           // publish -> ack, ns, acks received in the window
  LatencyHistogram delivery;      // publish -> own delivery, ns, deliveries received in the window
  uint64_t publish_errors = 0;    // `error` replies and request timeouts (any phase after start)
  uint64_t missing = 0;           // deliveries not back within kRoundTripTimeout
  uint64_t disconnects = 0;       // connections lost before the end of the run
  uint64_t subscribe_errors = 0;  // subscriptions refused
  std::string first_error;
  uint64_t errors() const { return publish_errors + missing + disconnects + subscribe_errors; }
};

class RttWorker {
 public:
  // Clients first_id .. first_id + count - 1, on `url`. The thread starts here and connects them.
  RttWorker(const std::string& url, bool tls_verify_peer, RttControl& control, int first_id, int count);
  ~RttWorker();  // stops (if stop() was not called) and joins
  RttWorker(const RttWorker&) = delete;
  RttWorker& operator=(const RttWorker&) = delete;

  void start();  // any thread: every subscribed client begins its round trips
  void stop();   // any thread: disconnect every client, end the loop, join the thread
  const RttResult& result() const { return result_; }

 private:
  struct Slot {
    int id = 0;
    std::string channel;
    std::unique_ptr<client::Client> client;
    bool subscribed = false;
    bool alive = true;  // false once disconnected (no reconnect in a benchmark)
    // The round trip in progress: seq 0 = none.
    uint64_t seq = 0;
    uint64_t sent_ns = 0;
    bool acked = false;
    bool delivered = false;
  };

  void thread_main();
  void make_client(Slot& slot, const std::string& url, bool tls_verify_peer);
  void publish_next(Slot& slot);
  void on_ack(Slot& slot, uint64_t seq, const client::Error& error);
  void on_delivery(Slot& slot, const std::string& payload_json);
  void maybe_next(Slot& slot);
  void check_timeouts();
  void note_error(uint64_t& counter, const std::string& what);
  bool measuring() const { return control_.phase.load(std::memory_order_acquire) == RttPhase::measure; }

  RttControl& control_;
  std::string url_;
  bool tls_verify_peer_;
  int first_id_, count_;
  net::EventLoop loop_;
  std::vector<std::unique_ptr<Slot>> slots_;  // stable addresses: callbacks hold Slot*
  net::TimerNode timeout_timer_;
  bool running_ = false;  // start() ran and stop() has not
  RttResult result_;
  std::thread thread_;
};

}  // namespace wshub::bench
