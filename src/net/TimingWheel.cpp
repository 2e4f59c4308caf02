#include "net/TimingWheel.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <functional>

namespace wshub::net {

namespace {

void make_empty(TimerNode& head) {
  head.prev = head.next = &head;
}
bool is_empty(const TimerNode& head) {
  return head.next == &head;
}

int64_t since(TimingWheel::Clock::time_point origin, TimingWheel::Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now - origin).count();
}

}  // namespace

TimingWheel::TimingWheel(std::chrono::milliseconds tick, size_t slots, Clock::time_point now)
    : origin_(now),
      tick_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(tick).count()),
      mask_(std::bit_ceil(std::max<size_t>(slots, 64)) - 1),
      heads_(mask_ + 1),
      occupied_((mask_ + 1) / 64, 0) {
  assert(tick.count() >= 1);
  for (TimerNode& head : heads_) make_empty(head);
}

TimingWheel::~TimingWheel() {
  for (TimerNode& head : heads_) {
    while (!is_empty(head)) {
      TimerNode* node = head.next;
      unlink(*node);
    }
  }
}

std::chrono::milliseconds TimingWheel::tick() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(tick_ns_));
}

ptrdiff_t TimingWheel::head_index(const TimerNode* node) const {
  // std::less gives a total order even for pointers into different objects (the pending list).
  std::less<const TimerNode*> before;
  const TimerNode* first = heads_.data();
  if (before(node, first) || !before(node, first + heads_.size())) return -1;
  return node - first;
}

void TimingWheel::link_tail(TimerNode& head, TimerNode& node) {
  node.prev = head.prev;
  node.next = &head;
  head.prev->next = &node;
  head.prev = &node;
}

void TimingWheel::unlink(TimerNode& node) {
  TimerNode* prev = node.prev;
  prev->next = node.next;
  node.next->prev = prev;
  node.prev = node.next = nullptr;
  // Keep the bitmap exact so next_timeout_ms() does not wake the loop for an emptied slot.
  if (prev->next == prev) {
    ptrdiff_t slot = head_index(prev);
    if (slot >= 0) clear_occupied(static_cast<size_t>(slot));
  }
}

void TimingWheel::schedule(TimerNode& node, std::chrono::milliseconds delay) {
  assert(node.callback != nullptr);
  int64_t delay_ns = std::max<int64_t>(delay.count(), 0) * 1'000'000;
  uint64_t expires = static_cast<uint64_t>((now_ns_ + delay_ns + tick_ns_ - 1) / tick_ns_);
  // A processed tick never comes round again; during advance() current_tick_ is already the
  // target, so a timer scheduled from a callback cannot fire in the same pass.
  expires = std::max(expires, current_tick_ + 1);

  if (node.scheduled()) {
    if (expires >= node.expires_tick) {
      node.expires_tick = expires;  // lazy: advance() moves it when its current slot comes round
      return;
    }
    unlink(node);
  } else {
    ++size_;
  }
  node.expires_tick = expires;
  size_t slot = slot_of(expires);
  link_tail(heads_[slot], node);
  mark_occupied(slot);
}

void TimingWheel::cancel(TimerNode& node) {
  if (!node.scheduled()) return;
  unlink(node);
  --size_;
}

// Fires or relocates every node of one slot. The slot's list is first spliced onto a local
// `pending` list and nodes are taken from its front one at a time, each unlinked before its
// callback runs. Whatever a callback does (cancel a sibling still in `pending`, reschedule it,
// schedule new nodes into this very slot, delete its owner) only touches nodes that are linked
// somewhere, and we hold no pointer across the call except the local sentinel.
void TimingWheel::expire_slot(size_t slot, uint64_t target) {
  TimerNode& head = heads_[slot];
  clear_occupied(slot);
  if (is_empty(head)) return;

  TimerNode pending;
  pending.prev = head.prev;
  pending.next = head.next;
  pending.prev->next = &pending;
  pending.next->prev = &pending;
  make_empty(head);

  while (!is_empty(pending)) {
    TimerNode& node = *pending.next;
    unlink(node);
    if (node.expires_tick <= target) {
      --size_;
      node.callback(&node);  // may destroy node's owner: do not touch `node` after this
    } else {
      size_t to = slot_of(node.expires_tick);
      link_tail(heads_[to], node);
      mark_occupied(to);
    }
  }
}

void TimingWheel::advance(Clock::time_point now) {
  assert(!advancing_ && "advance() called from a timer callback");
  int64_t now_ns = since(origin_, now);
  if (now_ns <= now_ns_) return;  // steady_clock does not go back; tolerate equal or stale `now`
  now_ns_ = now_ns;
  uint64_t target = static_cast<uint64_t>(now_ns / tick_ns_);
  if (target <= current_tick_) return;

  // Visit each slot at most once: after a jump of more than one revolution every slot is due.
  uint64_t first = current_tick_ + 1;
  uint64_t last = std::min(target, current_tick_ + mask_ + 1);
  current_tick_ = target;
  advancing_ = true;
  for (uint64_t tick = first; tick <= last; ++tick) {
    size_t slot = slot_of(tick);
    if (is_occupied(slot)) expire_slot(slot, target);
  }
  advancing_ = false;
}

int TimingWheel::next_timeout_ms(Clock::time_point now) const {
  if (size_ == 0) return -1;
  // Find the first occupied slot after current_tick_: the start word from the start bit up, the
  // other words in order, then the start word's low bits (the last slot of the revolution).
  const size_t start = slot_of(current_tick_ + 1);
  const size_t words = occupied_.size();
  const size_t start_word = start >> 6;
  const uint64_t high_mask = ~uint64_t{0} << (start & 63);
  ptrdiff_t found = -1;
  for (size_t i = 0; i <= words && found < 0; ++i) {
    size_t word = (start_word + i) % words;
    uint64_t bits = occupied_[word];
    if (i == 0) bits &= high_mask;
    if (i == words) bits &= ~high_mask;
    if (bits != 0) found = static_cast<ptrdiff_t>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
  }
  if (found < 0) return 0;  // only while advance() is running (nodes on its pending list)
  uint64_t distance = (static_cast<size_t>(found) - start) & mask_;  // ticks after current_tick_ + 1

  int64_t fire_ns = static_cast<int64_t>(current_tick_ + 1 + distance) * tick_ns_;
  int64_t wait_ns = fire_ns - since(origin_, now);
  if (wait_ns <= 0) return 0;
  int64_t wait_ms = (wait_ns + 999'999) / 1'000'000;
  return static_cast<int>(std::min<int64_t>(wait_ms, INT_MAX));
}

}  // namespace wshub::net
