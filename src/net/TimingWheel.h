#pragma once
// A hashed timing wheel (Varghese & Lauck, scheme 6) for the per-connection timers of one worker:
// handshake deadlines, idle timeouts, ping intervals. One wheel per event loop; not thread-safe.
//
// Design
//  - Time is cut into ticks (50 ms by default). A timer due at absolute tick E lives in slot
//    E % slots. Each slot is an intrusive circular doubly-linked list with a sentinel head, so
//    schedule and cancel are O(1) pointer swaps and no timer ever allocates.
//  - Nodes store the absolute expiry tick, so delays longer than one revolution (slots * tick)
//    just work: when the slot comes round early the node is skipped (moved, really) until due.
//  - Pushing a deadline later (an idle timer reset on every received message) is lazy: only
//    `expires_tick` is written and the node stays where it is. When its old slot comes round
//    the node is not due yet and is moved to the slot of its real expiry. A busy connection thus
//    costs one store per message and one relink per timeout period, not one relink per message.
//  - A bitmap of occupied slots makes next_timeout_ms() a scan of slots/64 words.
//
// Invariant: a scheduled node with expiry E sits in the slot of some tick p, current < p <= E
// (p == E unless it was lazily pushed later). Hence the slot of tick t only holds nodes with
// E >= t, and visiting the slots of ticks current+1 .. now fires everything that is due.
//
// Timing guarantee: schedule(delay) measures the delay from the time of the last advance() (the
// start of the current loop iteration), rounded up to whole ticks. A timer fires at the first
// advance() whose `now` is at least that deadline: never early, late by at most one tick plus the
// loop's own latency. When advance() jumps over more than one revolution, all overdue timers fire
// in that call, in slot order rather than strict expiry order.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wshub::net {

// Embedded in its owner (a Connection has one or two). Do not copy or move a scheduled node:
// its neighbours point at it. Cancel it before the owner is destroyed.
struct TimerNode {
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;
  uint64_t expires_tick = 0;
  void (*callback)(TimerNode*) = nullptr;  // set by the owner before scheduling
  void* owner = nullptr;                   // free for the owner's use (recover `this` in the callback)
  bool scheduled() const { return prev != nullptr; }
};

class TimingWheel {
 public:
  using Clock = std::chrono::steady_clock;

  // `slots` is rounded up to a power of two, at least 64 (one bitmap word); `tick` must be at least 1 ms.
  explicit TimingWheel(std::chrono::milliseconds tick = std::chrono::milliseconds(50), size_t slots = 1024,
                       Clock::time_point now = Clock::now());
  // Unlinks every still-scheduled node, so owners that outlive the wheel see scheduled() == false.
  ~TimingWheel();
  TimingWheel(const TimingWheel&) = delete;
  TimingWheel& operator=(const TimingWheel&) = delete;

  // (Re)schedules `node` to fire no earlier than `delay` after the wheel's current time (the last
  // advance), rounded up to ticks. Precondition: node.callback is set. Negative delays count as 0.
  void schedule(TimerNode& node, std::chrono::milliseconds delay);
  // No-op when the node is not scheduled.
  void cancel(TimerNode& node);

  // Fires every timer due at or before `now`. The node is unlinked before its callback runs, and
  // a callback may schedule or cancel any timer (its own node, a sibling in the same slot) and may
  // destroy its owner after cancelling the owner's other nodes. Timers scheduled from a callback
  // never fire in the same call. Not re-entrant: a callback must not call advance().
  void advance(Clock::time_point now);

  // Milliseconds until the next tick at which something may fire (0 when overdue), for
  // epoll_wait; -1 when nothing is scheduled. May be early (a lazily pushed deadline), never late.
  int next_timeout_ms(Clock::time_point now) const;

  size_t size() const { return size_; }
  std::chrono::milliseconds tick() const;

 private:
  size_t slot_of(uint64_t tick) const { return static_cast<size_t>(tick) & mask_; }
  void link_tail(TimerNode& head, TimerNode& node);
  void unlink(TimerNode& node);  // also clears the slot's occupied bit when it empties
  void mark_occupied(size_t slot) { occupied_[slot >> 6] |= uint64_t{1} << (slot & 63); }
  void clear_occupied(size_t slot) { occupied_[slot >> 6] &= ~(uint64_t{1} << (slot & 63)); }
  bool is_occupied(size_t slot) const { return (occupied_[slot >> 6] >> (slot & 63)) & 1; }
  // Slot index of `node` when it is a slot's sentinel head, or -1.
  ptrdiff_t head_index(const TimerNode* node) const;
  void expire_slot(size_t slot, uint64_t target);

  Clock::time_point origin_;
  int64_t tick_ns_;
  size_t mask_;
  int64_t now_ns_ = 0;         // time of the last advance, relative to origin_
  uint64_t current_tick_ = 0;  // every tick <= current_tick_ has been processed
  size_t size_ = 0;
  bool advancing_ = false;
  std::vector<TimerNode> heads_;    // sentinels; never reallocated after construction
  std::vector<uint64_t> occupied_;  // bit per slot: its list is non-empty
};

}  // namespace wshub::net
