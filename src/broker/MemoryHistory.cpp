#include "broker/MemoryHistory.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace wshub::broker {

MemoryHistory::MemoryHistory(std::string epoch, const hub::HistoryOptions& options, Clock::time_point now)
    : epoch_(std::move(epoch)) {
  touch(options, now);
}

void MemoryHistory::touch(const hub::HistoryOptions& options, Clock::time_point now) {
  assert(options.size > 0);
  size_ = options.size;
  ttl_ = options.ttl;
  forget_at_ = deadline_after(now, options.meta_ttl);
  if (ring_.size() > size_ || ring_.capacity() > size_) ring_.truncate(size_);
  expire(now);
}

void MemoryHistory::expire(Clock::time_point now) {
  if (ttl_.count() <= 0) return;
  while (!ring_.empty() && deadline_after(ring_.front().published_at, ttl_) <= now) ring_.pop_front();
}

void MemoryHistory::append(hub::PublicationPtr publication, Clock::time_point now) {
  assert(publication->offset == next_offset());
  top_ = publication->offset;
  ring_.push_back({std::move(publication), now}, size_);
}

hub::HistoryResult MemoryHistory::read(const hub::HistoryFilter& filter) const {
  hub::HistoryResult result;
  result.position = position();
  const uint64_t oldest = oldest_offset();
  if (filter.since) {
    const hub::StreamPosition& since = *filter.since;
    const bool same_epoch = since.epoch == epoch_;
    // since.offset <= top_ first: since.offset + 1 cannot overflow after it.
    result.since_available = same_epoch && since.offset <= top_ && since.offset + 1 >= oldest;
    if (filter.limit == 0 || (same_epoch && since.offset >= top_)) return result;
    const uint64_t first = same_epoch ? std::max(since.offset + 1, oldest) : oldest;
    const uint64_t available = top_ - first + 1;  // may be 0 when nothing is kept
    const size_t count = static_cast<size_t>(std::min<uint64_t>(available, filter.limit));
    result.publications.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      result.publications.push_back(ring_[static_cast<size_t>(first - oldest) + i].publication);
    }
    return result;
  }
  const size_t count = std::min(filter.limit, ring_.size());
  result.publications.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t index = filter.reverse ? ring_.size() - 1 - i : ring_.size() - count + i;
    result.publications.push_back(ring_[index].publication);
  }
  return result;
}

}  // namespace wshub::broker
