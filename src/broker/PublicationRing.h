#pragma once
// The publications a stream keeps: a bounded FIFO, oldest first, each entry with the time it
// was published (for the history TTL). The owner (MemoryHistory) keeps offsets contiguous:
// entries are only appended at the back and dropped at the front, so entry i has offset
// `top - size() + 1 + i` and a lookup by offset is an index computation.
//
// Memory follows use, not configuration: a stream configured for 10,000 publications that
// has received three holds a buffer of eight. The buffer doubles up to the limit, shrinks when
// the limit is lowered, and is released when the last entry is dropped (a quiet channel whose
// publications expired holds no buffer while its stream waits for meta_ttl).
#include <cstddef>
#include <vector>

#include "broker/Deadline.h"
#include "hub/Publication.h"

namespace wshub::broker {

class PublicationRing {
 public:
  struct Entry {
    hub::PublicationPtr publication;
    Clock::time_point published_at;
  };

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t capacity() const { return slots_.size(); }

  // 0 is the oldest. Precondition: i < size().
  const Entry& operator[](size_t i) const { return slots_[wrap(head_ + i)]; }
  const Entry& front() const { return (*this)[0]; }

  // Appends; when `limit` entries are already kept, the oldest go first. limit >= 1.
  void push_back(Entry entry, size_t limit);
  // Precondition: !empty().
  void pop_front();
  // Drops the oldest until at most `limit` remain, and gives back a buffer larger than it.
  void truncate(size_t limit);

 private:
  size_t wrap(size_t i) const { return i < slots_.size() ? i : i - slots_.size(); }
  void reallocate(size_t capacity);  // capacity >= count_; makes the entries start at 0

  std::vector<Entry> slots_;
  size_t head_ = 0;   // slot of the oldest entry
  size_t count_ = 0;  // entries in use, from head_ (wrapping)
};

}  // namespace wshub::broker
