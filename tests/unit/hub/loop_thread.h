#pragma once
// A worker's event loop on its own thread, for hub tests that drive a WorkerHub as a
// server worker does: the test posts each step to the loop and waits for it.
#include <future>
#include <thread>

#include "net/EventLoop.h"

namespace wshub::hub {

class LoopThread {
 public:
  LoopThread() = default;
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  ~LoopThread() { stop(); }

  net::EventLoop& loop() { return loop_; }
  // After whatever must be set up on the loop before it runs (WorkerHub registration).
  void start() { thread_ = std::thread([this] { loop_.run(); }); }
  void stop() {
    if (!thread_.joinable()) return;
    loop_.stop();
    thread_.join();
  }

  // Runs `f` on the loop and waits. With `settle`, waits for one more pass too, so the
  // tasks `f` posted to the loop (deliveries) have run when this returns.
  template <typename F>
  void run(F&& f, bool settle) {
    wait_for([&] { f(); });
    if (settle) wait_for([] {});
  }

 private:
  template <typename F>
  void wait_for(F&& f) {
    std::promise<void> done;
    loop_.post([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  net::EventLoop loop_;
  std::thread thread_;
};

}  // namespace wshub::hub
