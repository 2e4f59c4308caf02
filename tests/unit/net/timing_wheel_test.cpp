#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "net/TimingWheel.h"

namespace wshub::net {
namespace {

using std::chrono::milliseconds;
using Clock = TimingWheel::Clock;

// A timer that records when (in ms of fake time) it fired.
struct Probe {
  TimerNode node;
  std::vector<int64_t>* log = nullptr;  // fire order, by id
  int64_t id = 0;
  int fired = 0;
  int64_t* now_ms = nullptr;
  int64_t fired_at = -1;

  Probe() {
    node.owner = this;
    node.callback = [](TimerNode* n) {
      auto* self = static_cast<Probe*>(n->owner);
      ++self->fired;
      if (self->now_ms) self->fired_at = *self->now_ms;
      if (self->log) self->log->push_back(self->id);
    };
  }
};

class TimingWheelTest : public ::testing::Test {
 protected:
  Clock::time_point origin = Clock::time_point{} + std::chrono::hours(1000);
  int64_t now_ms = 0;
  Clock::time_point at(int64_t ms) const { return origin + milliseconds(ms); }
  void advance_to(TimingWheel& wheel, int64_t ms) {
    now_ms = ms;
    wheel.advance(at(ms));
  }
};

TEST_F(TimingWheelTest, FiresInExpiryOrderNeverEarlyAtMostOneTickLate) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  std::vector<int64_t> order;
  std::vector<int64_t> delays = {300, 10, 0, 55, 640, 639, 641, 1000, 20, 5};
  std::vector<Probe> probes(delays.size());
  for (size_t i = 0; i < delays.size(); ++i) {
    probes[i].id = static_cast<int64_t>(i);
    probes[i].log = &order;
    probes[i].now_ms = &now_ms;
    wheel.schedule(probes[i].node, milliseconds(delays[i]));
  }
  EXPECT_EQ(wheel.size(), delays.size());
  for (int64_t t = 1; t <= 1100; ++t) advance_to(wheel, t);
  EXPECT_EQ(wheel.size(), 0u);
  ASSERT_EQ(order.size(), delays.size());
  for (size_t i = 0; i < delays.size(); ++i) {
    EXPECT_EQ(probes[i].fired, 1);
    EXPECT_GE(probes[i].fired_at, delays[i]) << "timer " << i;
    EXPECT_LE(probes[i].fired_at, delays[i] + 10) << "timer " << i;
  }
  for (size_t i = 1; i < order.size(); ++i) {
    auto tick_of = [&](int64_t id) { return std::max<int64_t>((delays[id] + 9) / 10, 1); };
    EXPECT_LE(tick_of(order[i - 1]), tick_of(order[i]));
  }
}

TEST_F(TimingWheelTest, DelaysLongerThanOneRevolution) {
  TimingWheel wheel(milliseconds(10), 64, at(0));  // one revolution = 640 ms
  Probe probe;
  probe.now_ms = &now_ms;
  wheel.schedule(probe.node, milliseconds(5000));
  for (int64_t t = 5; t <= 6000; t += 5) advance_to(wheel, t);
  EXPECT_EQ(probe.fired, 1);
  EXPECT_GE(probe.fired_at, 5000);
  EXPECT_LE(probe.fired_at, 5010);
}

TEST_F(TimingWheelTest, DelayIsMeasuredFromTheLastAdvanceWithinATick) {
  TimingWheel wheel(milliseconds(50), 1024, at(0));
  advance_to(wheel, 49);  // still tick 0, but the wheel knows it is 49 ms in
  Probe probe;
  probe.now_ms = &now_ms;
  wheel.schedule(probe.node, milliseconds(100));
  advance_to(wheel, 140);
  EXPECT_EQ(probe.fired, 0);
  advance_to(wheel, 150);
  EXPECT_EQ(probe.fired, 1);
}

TEST_F(TimingWheelTest, CancelIsIdempotentAndPreventsFiring) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  Probe a, b;
  wheel.cancel(a.node);  // not scheduled: no-op
  wheel.schedule(a.node, milliseconds(50));
  wheel.schedule(b.node, milliseconds(50));
  EXPECT_TRUE(a.node.scheduled());
  wheel.cancel(a.node);
  wheel.cancel(a.node);
  EXPECT_FALSE(a.node.scheduled());
  EXPECT_EQ(wheel.size(), 1u);
  advance_to(wheel, 100);
  EXPECT_EQ(a.fired, 0);
  EXPECT_EQ(b.fired, 1);
  EXPECT_FALSE(b.node.scheduled());
}

TEST_F(TimingWheelTest, RescheduleLaterAndEarlier) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  Probe later, earlier;
  later.now_ms = earlier.now_ms = &now_ms;
  wheel.schedule(later.node, milliseconds(100));
  wheel.schedule(earlier.node, milliseconds(5000));
  // An idle deadline pushed forward on every message: lazy, and past several revolutions.
  for (int64_t t = 10; t <= 2000; t += 10) {
    advance_to(wheel, t);
    wheel.schedule(later.node, milliseconds(100));
  }
  EXPECT_EQ(earlier.fired, 0);
  wheel.schedule(earlier.node, milliseconds(30));  // pulled in: relinked
  EXPECT_EQ(wheel.size(), 2u);
  for (int64_t t = 2001; t <= 2200; ++t) advance_to(wheel, t);
  EXPECT_EQ(later.fired, 1);
  EXPECT_GE(later.fired_at, 2100);
  EXPECT_LE(later.fired_at, 2110);
  EXPECT_EQ(earlier.fired, 1);
  EXPECT_GE(earlier.fired_at, 2030);
  EXPECT_LE(earlier.fired_at, 2040);
}

TEST_F(TimingWheelTest, CallbackReschedulesItselfOncePerAdvance) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  struct Periodic {
    TimerNode node;
    TimingWheel* wheel;
    int fired = 0;
  } periodic{{}, &wheel};
  periodic.node.owner = &periodic;
  periodic.node.callback = [](TimerNode* n) {
    auto* self = static_cast<Periodic*>(n->owner);
    ++self->fired;
    self->wheel->schedule(self->node, milliseconds(0));  // due "now": must wait for the next tick
  };
  wheel.schedule(periodic.node, milliseconds(100));
  advance_to(wheel, 100);
  EXPECT_EQ(periodic.fired, 1);
  advance_to(wheel, 1'000'000);  // a huge jump fires it once, and does not loop
  EXPECT_EQ(periodic.fired, 2);
  advance_to(wheel, 1'000'010);
  EXPECT_EQ(periodic.fired, 3);
  wheel.cancel(periodic.node);
}

TEST_F(TimingWheelTest, CallbackCancelsOrReschedulesSiblingInSameSlot) {
  for (bool cancel : {true, false}) {
    TimingWheel wheel(milliseconds(10), 64, at(0));
    now_ms = 0;
    struct Pair {
      TimerNode first, second;
      TimingWheel* wheel;
      bool cancel;
      int first_fired = 0, second_fired = 0;
    } pair{{}, {}, &wheel, cancel};
    pair.first.owner = pair.second.owner = &pair;
    pair.first.callback = [](TimerNode* n) {
      auto* self = static_cast<Pair*>(n->owner);
      ++self->first_fired;
      if (self->cancel) {
        self->wheel->cancel(self->second);
      } else {
        self->wheel->schedule(self->second, milliseconds(500));
      }
    };
    pair.second.callback = [](TimerNode* n) { ++static_cast<Pair*>(n->owner)->second_fired; };
    wheel.schedule(pair.first, milliseconds(50));
    wheel.schedule(pair.second, milliseconds(50));  // same slot, after `first`
    advance_to(wheel, 60);
    EXPECT_EQ(pair.first_fired, 1);
    EXPECT_EQ(pair.second_fired, 0);
    EXPECT_EQ(pair.second.scheduled(), !cancel);
    advance_to(wheel, 600);
    EXPECT_EQ(pair.second_fired, cancel ? 0 : 1);
    EXPECT_EQ(wheel.size(), 0u);
  }
}

// The connection pattern: an owner with two timers whose callback cancels the other and frees
// the owner. Both nodes are in the same slot, the freed one next in line (ASan checks the rest).
TEST_F(TimingWheelTest, CallbackDestroysItsOwner) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  struct Connection {
    TimerNode idle, ping;
    TimingWheel* wheel;
    int* destroyed;
    ~Connection() { ++*destroyed; }
  };
  int destroyed = 0;
  auto on_timer = [](TimerNode* n) {
    auto* conn = static_cast<Connection*>(n->owner);
    conn->wheel->cancel(conn->idle);
    conn->wheel->cancel(conn->ping);
    delete conn;
  };
  std::vector<Connection*> conns;
  for (int i = 0; i < 10; ++i) {
    auto* conn = new Connection{{}, {}, &wheel, &destroyed};
    conn->idle.owner = conn->ping.owner = conn;
    conn->idle.callback = conn->ping.callback = on_timer;
    wheel.schedule(conn->idle, milliseconds(50));
    wheel.schedule(conn->ping, milliseconds(50));
  }
  advance_to(wheel, 100);
  EXPECT_EQ(destroyed, 10);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(TimingWheelTest, HundredThousandTimers) {
  TimingWheel wheel(milliseconds(50), 1024, at(0));
  constexpr size_t kCount = 100'000;
  std::vector<Probe> probes(kCount);
  std::vector<int64_t> delays(kCount);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int64_t> delay(0, 120'000);  // up to ~2.3 revolutions
  for (size_t i = 0; i < kCount; ++i) {
    delays[i] = delay(rng);
    probes[i].now_ms = &now_ms;
    wheel.schedule(probes[i].node, milliseconds(delays[i]));
  }
  // Cancel every tenth; reschedule every seventh later.
  size_t expected = kCount;
  for (size_t i = 0; i < kCount; i += 10) {
    wheel.cancel(probes[i].node);
    --expected;
  }
  for (size_t i = 1; i < kCount; i += 7) {
    if (!probes[i].node.scheduled()) continue;
    delays[i] += 10'000;
    wheel.schedule(probes[i].node, milliseconds(delays[i]));
  }
  EXPECT_EQ(wheel.size(), expected);
  for (int64_t t = 0; t <= 131'000; t += 17) advance_to(wheel, t);
  EXPECT_EQ(wheel.size(), 0u);
  for (size_t i = 0; i < kCount; ++i) {
    if (i % 10 == 0) {
      ASSERT_EQ(probes[i].fired, 0);
      continue;
    }
    ASSERT_EQ(probes[i].fired, 1) << i;
    ASSERT_GE(probes[i].fired_at, delays[i]) << i;
    ASSERT_LE(probes[i].fired_at, delays[i] + 50 + 17) << i;
  }
}

TEST_F(TimingWheelTest, AdvanceAfterAnHourFiresEverythingOnceAndKeepsWorking) {
  TimingWheel wheel(milliseconds(50), 1024, at(0));
  std::vector<Probe> probes(5000);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> delay(0, 3'000'000);  // up to 50 minutes
  for (Probe& p : probes) wheel.schedule(p.node, milliseconds(delay(rng)));
  Probe beyond;
  wheel.schedule(beyond.node, milliseconds(4'000'000));  // past the jump
  advance_to(wheel, 3'600'000);
  for (const Probe& p : probes) ASSERT_EQ(p.fired, 1);
  EXPECT_EQ(beyond.fired, 0);
  EXPECT_EQ(wheel.size(), 1u);

  // Delays are now measured from the new time.
  Probe after;
  after.now_ms = &now_ms;
  wheel.schedule(after.node, milliseconds(200));
  advance_to(wheel, 3'600'150);
  EXPECT_EQ(after.fired, 0);
  advance_to(wheel, 3'600'200);
  EXPECT_EQ(after.fired, 1);
  advance_to(wheel, 4'000'000);
  EXPECT_EQ(beyond.fired, 1);
}

TEST_F(TimingWheelTest, NextTimeout) {
  TimingWheel wheel(milliseconds(50), 1024, at(0));
  EXPECT_EQ(wheel.next_timeout_ms(at(0)), -1);
  Probe a;
  wheel.schedule(a.node, milliseconds(120));  // tick 3: 150 ms
  EXPECT_EQ(wheel.next_timeout_ms(at(0)), 150);
  EXPECT_EQ(wheel.next_timeout_ms(at(100)), 50);
  EXPECT_EQ(wheel.next_timeout_ms(at(149)), 1);
  EXPECT_EQ(wheel.next_timeout_ms(at(200)), 0);  // overdue: advance() has not run yet
  wheel.cancel(a.node);
  EXPECT_EQ(wheel.next_timeout_ms(at(0)), -1);
  // Far in the future (wraps the bitmap scan past the start word).
  wheel.schedule(a.node, milliseconds(51'000));
  EXPECT_EQ(wheel.next_timeout_ms(at(0)), 51'000);
  wheel.cancel(a.node);
}

// Whatever next_timeout_ms() says, nothing fires before it (the loop would have slept through it).
TEST_F(TimingWheelTest, NextTimeoutIsNeverLate) {
  TimingWheel wheel(milliseconds(10), 64, at(0));
  std::vector<Probe> probes(300);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int64_t> delay(0, 3'000);
  for (Probe& p : probes) {
    p.now_ms = &now_ms;
    wheel.schedule(p.node, milliseconds(delay(rng)));
  }
  int64_t t = 0;
  while (wheel.size() > 0) {
    int timeout = wheel.next_timeout_ms(at(t));
    ASSERT_GE(timeout, 0);
    size_t before = wheel.size();
    if (timeout > 1) {
      advance_to(wheel, t + timeout - 1);
      ASSERT_EQ(wheel.size(), before) << "fired before the announced timeout at " << t;
    }
    t += std::max(timeout, 1);
    advance_to(wheel, t);
    // Lazily push a few deadlines to exercise the early-wakeup path.
    for (size_t i = 0; t < 2'000 && i < probes.size(); i += 13) {
      if (probes[i].node.scheduled()) wheel.schedule(probes[i].node, milliseconds(200));
    }
  }
}

TEST_F(TimingWheelTest, DestructorUnlinksScheduledNodes) {
  Probe probe;
  {
    TimingWheel wheel(milliseconds(10), 64, at(0));
    wheel.schedule(probe.node, milliseconds(100));
  }
  EXPECT_FALSE(probe.node.scheduled());
}

}  // namespace
}  // namespace wshub::net
