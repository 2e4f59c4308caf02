#pragma once
// A bounded lock-free multi-producer single-consumer queue for hand-off between workers (a
// publish fanned out to the worker owning a connection, a connection migrating at accept).
// The consumer is woken by an eventfd that a producer signals after a successful try_push; the
// consumer drains until try_pop fails, so a value published after that is announced by its own
// signal.
//
// Design: Dmitry Vyukov's bounded MPMC ring, with the consumer side simplified because there is
// only one consumer. Each cell carries a sequence number that says whose turn it is:
//   seq == pos          the cell is free for the producer that claims position `pos`;
//   seq == pos + 1      the cell holds the value of position `pos`, ready for the consumer;
//   seq == pos + cap    freed by the consumer, free for position `pos + cap` (the next lap).
// Producers claim a position with a CAS on `tail_`, then publish the value with a release store
// of seq; the consumer acquires seq, takes the value and releases the cell for the next lap.
// A producer that claimed a position and is descheduled before publishing holds up the consumer
// at that cell (it sees "empty" until then) but never blocks other producers: this is the
// algorithm's known trade-off, harmless for hand-off queues that are drained every loop iteration.
//
// Guarantees: FIFO per producer (two pushes from one thread are claimed in order), no allocation
// after construction, T may be move-only. Bounded: try_push fails when full and leaves the value
// untouched, so the caller can retry, drop or count it.
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace wshub::net {

template <class T>
class MpscQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>, "values are moved in and out of cells");
  static_assert(std::is_nothrow_move_assignable_v<T>, "try_pop move-assigns into `out`");

 public:
  // `capacity` is rounded up to a power of two (at least 2).
  explicit MpscQueue(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1), cells_(new Cell[mask_ + 1]) {
    for (size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  // Destroys the values still queued. No producer may be running.
  ~MpscQueue() {
    for (size_t pos = head_.load(std::memory_order_relaxed);; ++pos) {
      Cell& cell = cells_[pos & mask_];
      if (cell.seq.load(std::memory_order_acquire) != pos + 1) break;
      std::launder(reinterpret_cast<T*>(cell.storage))->~T();
    }
  }

  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread. Returns false when the queue is full; `value` is then not moved from.
  bool try_push(T&& value) {
    size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      size_t seq = cell.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq - pos);
      if (diff == 0) {
        // The cell is free for `pos`: claim the position (weak CAS: we loop anyway).
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          ::new (static_cast<void*>(cell.storage)) T(std::move(value));
          cell.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
        // CAS failure reloaded `pos`.
      } else if (diff < 0) {
        return false;  // the consumer has not freed this cell yet: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);  // another producer took `pos`
      }
    }
  }

  // Consumer thread only. Returns false when empty (or when the next producer is mid-push).
  bool try_pop(T& out) {
    size_t pos = head_.load(std::memory_order_relaxed);
    Cell& cell = cells_[pos & mask_];
    size_t seq = cell.seq.load(std::memory_order_acquire);
    if (seq != pos + 1) return false;
    T* stored = std::launder(reinterpret_cast<T*>(cell.storage));
    out = std::move(*stored);
    stored->~T();
    // Only the consumer writes head_; it is atomic so that empty_approx() may read it anywhere.
    head_.store(pos + 1, std::memory_order_relaxed);
    cell.seq.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

  // Any thread; a snapshot that may be stale by the time it is used. On the consumer, "false"
  // is reliable enough to decide whether to drain again before sleeping.
  bool empty_approx() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }

  size_t capacity() const { return mask_ + 1; }

 private:
  // Cells are not padded to a cache line each: a queue of 1024 small values stays 16 KiB; the
  // producers and the consumer contend on neighbouring cells only when the queue is nearly empty.
  struct Cell {
    std::atomic<size_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
  };

  static constexpr size_t kCacheLine = 64;

  // The producers' counter and the consumer's counter on separate cache lines, and both away
  // from the read-only fields, so a push does not invalidate the consumer's line and vice versa.
  alignas(kCacheLine) std::atomic<size_t> tail_{0};  // next position producers claim
  alignas(kCacheLine) std::atomic<size_t> head_{0};  // next position the consumer takes
  alignas(kCacheLine) const size_t mask_;
  const std::unique_ptr<Cell[]> cells_;
};

}  // namespace wshub::net
