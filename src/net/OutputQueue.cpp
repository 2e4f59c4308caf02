#include "net/OutputQueue.h"

#include <algorithm>
#include <cstring>

namespace wshub::net {

namespace {
// Enough parts for a burst of fan-out frames; a larger queue takes another writev.
constexpr int kMaxIov = 64;
constexpr uint32_t kMinOwnedCapacity = 512;
}  // namespace

// A client that reads slowly but steadily never lets the queue run empty, so the written
// prefix of owned_ must be reclaimed explicitly or it would grow without bound.
void OutputQueue::compact_owned() {
  size_t first = head_;
  while (first < segments_.size() && segments_[first].shared != nullptr) ++first;
  if (first == segments_.size()) {
    owned_size_ = 0;  // no owned bytes pending
    return;
  }
  uint32_t base = segments_[first].offset;
  if (base == 0) return;
  std::memmove(owned_.get(), owned_.get() + base, owned_size_ - base);
  for (size_t i = first; i < segments_.size(); ++i) {
    if (segments_[i].shared == nullptr) segments_[i].offset -= base;
  }
  owned_size_ -= base;
}

std::byte* OutputQueue::owned_tail(size_t n) {
  if (owned_size_ + n > owned_capacity_) compact_owned();
  if (owned_size_ + n > owned_capacity_) {
    size_t needed = owned_size_ + n;
    size_t capacity = std::max<size_t>({kMinOwnedCapacity, needed, size_t(owned_capacity_) * 2});
    auto bigger = std::make_unique<std::byte[]>(capacity);
    if (owned_size_ > 0) std::memcpy(bigger.get(), owned_.get(), owned_size_);
    owned_ = std::move(bigger);
    owned_capacity_ = static_cast<uint32_t>(capacity);
  }
  std::byte* tail = owned_.get() + owned_size_;
  // Extend the last segment when it is owned and ends at the tail: consecutive small
  // frames become one iovec.
  if (segments_.size() > head_) {
    Segment& last = segments_.back();
    if (last.shared == nullptr && last.offset + last.length == owned_size_) {
      last.length += static_cast<uint32_t>(n);
      owned_size_ += static_cast<uint32_t>(n);
      pending_bytes_ += n;
      return tail;
    }
  }
  segments_.push_back({nullptr, owned_size_, static_cast<uint32_t>(n)});
  owned_size_ += static_cast<uint32_t>(n);
  pending_bytes_ += n;
  return tail;
}

std::byte* OutputQueue::append_uninitialized(size_t n) {
  return owned_tail(n);
}

void OutputQueue::append(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  std::memcpy(owned_tail(bytes.size()), bytes.data(), bytes.size());
}

void OutputQueue::append_shared(const SharedBufferRef& buffer, size_t offset, size_t length) {
  if (length == 0) return;
  buffer->ref();
  segments_.push_back({buffer.get(), static_cast<uint32_t>(offset), static_cast<uint32_t>(length)});
  pending_bytes_ += length;
}

void OutputQueue::pop_front_segment() {
  Segment& s = segments_[head_];
  if (s.shared) s.shared->unref();
  ++head_;
  if (head_ == segments_.size()) {
    segments_.clear();
    head_ = 0;
    owned_size_ = 0;  // every owned byte has been written
  }
}

IoResult OutputQueue::flush(Transport& transport) {
  IoResult last{IoStatus::ok, 0};
  while (pending_bytes_ > 0) {
    iovec iov[kMaxIov];
    int count = 0;
    for (size_t i = head_; i < segments_.size() && count < kMaxIov; ++i) {
      const Segment& s = segments_[i];
      const std::byte* base = s.shared ? s.shared->data() : owned_.get();
      iov[count].iov_base = const_cast<std::byte*>(base + s.offset);
      iov[count].iov_len = s.length;
      ++count;
    }
    last = transport.writev(iov, count);
    if (last.status != IoStatus::ok) return last;
    size_t written = last.bytes;
    pending_bytes_ -= written;
    while (written > 0) {
      Segment& s = segments_[head_];
      if (written >= s.length) {
        written -= s.length;
        pop_front_segment();
      } else {
        s.offset += static_cast<uint32_t>(written);
        s.length -= static_cast<uint32_t>(written);
        written = 0;
      }
    }
  }
  return last;
}

size_t OutputQueue::discard_unstarted() {
  if (head_ >= segments_.size()) return 0;
  // The head segment may be partly written; we cannot tell a fresh one from a started
  // one cheaply for owned ranges, so keep the head whole and drop the rest.
  size_t dropped = 0;
  for (size_t i = head_ + 1; i < segments_.size(); ++i) {
    dropped += segments_[i].length;
    if (segments_[i].shared) segments_[i].shared->unref();
  }
  segments_.resize(head_ + 1);
  pending_bytes_ -= dropped;
  const Segment& h = segments_[head_];
  if (!h.shared) owned_size_ = h.offset + h.length;
  return dropped;
}

void OutputQueue::clear() {
  for (size_t i = head_; i < segments_.size(); ++i) {
    if (segments_[i].shared) segments_[i].shared->unref();
  }
  segments_.clear();
  head_ = 0;
  owned_size_ = 0;
  pending_bytes_ = 0;
}

void OutputQueue::trim_tail(size_t n) {
  if (n == 0) return;
  Segment& last = segments_.back();
  last.length -= static_cast<uint32_t>(n);
  owned_size_ -= static_cast<uint32_t>(n);
  pending_bytes_ -= n;
  if (last.length == 0) {
    segments_.pop_back();
    if (head_ == segments_.size()) {
      segments_.clear();
      head_ = 0;
    }
  }
}

void OutputQueue::shrink_if_empty(size_t keep) {
  if (pending_bytes_ != 0 || owned_capacity_ <= keep) return;
  segments_.clear();
  segments_.shrink_to_fit();
  head_ = 0;
  owned_.reset();
  owned_size_ = owned_capacity_ = 0;
}

}  // namespace wshub::net
