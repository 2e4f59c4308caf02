#include "broker/PublicationRing.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace wshub::broker {

namespace {
constexpr size_t kInitialCapacity = 8;
}

void PublicationRing::push_back(Entry entry, size_t limit) {
  assert(limit >= 1);
  while (count_ >= limit) pop_front();
  if (count_ == slots_.size()) {
    reallocate(std::min(limit, std::max(kInitialCapacity, slots_.size() * 2)));
  }
  slots_[wrap(head_ + count_)] = std::move(entry);
  ++count_;
}

void PublicationRing::pop_front() {
  assert(count_ > 0);
  slots_[head_] = Entry{};  // drop our reference now, not when the slot is reused
  head_ = wrap(head_ + 1);
  if (--count_ == 0) {
    std::vector<Entry>().swap(slots_);
    head_ = 0;
  }
}

void PublicationRing::truncate(size_t limit) {
  while (count_ > limit) pop_front();
  if (slots_.size() > limit) reallocate(limit);
}

void PublicationRing::reallocate(size_t capacity) {
  assert(capacity >= count_);
  std::vector<Entry> slots;
  slots.reserve(capacity);
  for (size_t i = 0; i < count_; ++i) slots.push_back(std::move(slots_[wrap(head_ + i)]));
  slots.resize(capacity);
  slots_ = std::move(slots);
  head_ = 0;
}

}  // namespace wshub::broker
