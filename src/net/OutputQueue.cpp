#include "net/OutputQueue.h"

#include <algorithm>
#include <cstring>

namespace wshub::net {

namespace {
// Enough parts for a burst of fan-out frames; a larger queue takes another writev.
constexpr int kMaxIov = 64;
constexpr uint32_t kMinOwnedCapacity = 512;

// The per-thread cache of given-back bodies. Bounded in count and in what each keeps
// (an owned buffer up to 4 KiB, a short segment list), so it costs at most ~300 KiB per
// thread however many connections come and go.
constexpr size_t kCachedBodies = 64;
constexpr uint32_t kCachedOwnedCapacity = 4096;
constexpr size_t kCachedSegments = 64;
}  // namespace

namespace {
// Set once the thread's cache is gone, for a queue destroyed later in thread exit.
thread_local bool body_cache_gone = false;
}  // namespace

// The cache's destructor frees what it holds when the thread ends. A friend of
// OutputQueue, so it may name the private Body.
struct OutputQueueBodyCache {
  std::vector<OutputQueue::Body*> free;
  ~OutputQueueBodyCache() {
    body_cache_gone = true;
    for (OutputQueue::Body* b : free) delete b;
  }
};

namespace {
thread_local OutputQueueBodyCache body_cache;
}  // namespace

OutputQueue::Body& OutputQueue::body() {
  if (body_ != nullptr) return *body_;
  if (!body_cache_gone && !body_cache.free.empty()) {
    body_ = body_cache.free.back();
    body_cache.free.pop_back();
  } else {
    body_ = new Body;
  }
  return *body_;
}

void OutputQueue::release_body() {
  Body* b = body_;
  if (b == nullptr) return;
  body_ = nullptr;
  for (size_t i = b->head; i < b->segments.size(); ++i) {
    if (b->segments[i].shared) b->segments[i].shared->unref();
  }
  if (body_cache_gone || body_cache.free.size() >= kCachedBodies) {
    delete b;
    return;
  }
  b->segments.clear();
  if (b->segments.capacity() > kCachedSegments) std::vector<Segment>().swap(b->segments);
  b->head = 0;
  b->owned_size = 0;
  b->pending_bytes = 0;
  b->reported = 0;
  if (b->owned_capacity > kCachedOwnedCapacity) {
    b->owned.reset();
    b->owned_capacity = 0;
  }
  body_cache.free.push_back(b);
}

// A client that reads slowly but steadily never lets the queue run empty, so the written
// prefix of the owned buffer must be reclaimed explicitly or it would grow without bound.
void OutputQueue::compact_owned() {
  Body& b = *body_;
  size_t first = b.head;
  while (first < b.segments.size() && b.segments[first].shared != nullptr) ++first;
  if (first == b.segments.size()) {
    b.owned_size = 0;  // no owned bytes pending
    return;
  }
  uint32_t base = b.segments[first].offset;
  if (base == 0) return;
  std::memmove(b.owned.get(), b.owned.get() + base, b.owned_size - base);
  for (size_t i = first; i < b.segments.size(); ++i) {
    if (b.segments[i].shared == nullptr) b.segments[i].offset -= base;
  }
  b.owned_size -= base;
}

std::byte* OutputQueue::owned_tail(size_t n) {
  Body& b = body();
  if (b.owned_size + n > b.owned_capacity) compact_owned();
  if (b.owned_size + n > b.owned_capacity) {
    size_t needed = b.owned_size + n;
    size_t capacity = std::max<size_t>({kMinOwnedCapacity, needed, size_t(b.owned_capacity) * 2});
    // Not make_unique: it would zero bytes that are about to be overwritten.
    std::unique_ptr<std::byte[]> bigger(new std::byte[capacity]);
    if (b.owned_size > 0) std::memcpy(bigger.get(), b.owned.get(), b.owned_size);
    b.owned = std::move(bigger);
    b.owned_capacity = static_cast<uint32_t>(capacity);
  }
  std::byte* tail = b.owned.get() + b.owned_size;
  // Extend the last segment when it is owned and ends at the tail: consecutive small
  // frames become one iovec.
  if (b.segments.size() > b.head) {
    Segment& last = b.segments.back();
    if (last.shared == nullptr && last.offset + last.length == b.owned_size) {
      last.length += static_cast<uint32_t>(n);
      b.owned_size += static_cast<uint32_t>(n);
      b.pending_bytes += n;
      return tail;
    }
  }
  b.segments.push_back({nullptr, b.owned_size, static_cast<uint32_t>(n)});
  b.owned_size += static_cast<uint32_t>(n);
  b.pending_bytes += n;
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
  Body& b = body();
  buffer->ref();
  b.segments.push_back({buffer.get(), static_cast<uint32_t>(offset), static_cast<uint32_t>(length)});
  b.pending_bytes += length;
}

void OutputQueue::pop_front_segment() {
  Body& b = *body_;
  Segment& s = b.segments[b.head];
  if (s.shared) s.shared->unref();
  ++b.head;
  if (b.head == b.segments.size()) {
    b.segments.clear();
    b.head = 0;
    b.owned_size = 0;  // every owned byte has been written
  }
}

IoResult OutputQueue::flush(Transport& transport) {
  IoResult last{IoStatus::ok, 0};
  while (body_ != nullptr && body_->pending_bytes > 0) {
    Body& b = *body_;
    iovec iov[kMaxIov];
    int count = 0;
    for (size_t i = b.head; i < b.segments.size() && count < kMaxIov; ++i) {
      const Segment& s = b.segments[i];
      const std::byte* base = s.shared ? s.shared->data() : b.owned.get();
      iov[count].iov_base = const_cast<std::byte*>(base + s.offset);
      iov[count].iov_len = s.length;
      ++count;
    }
    last = transport.writev(iov, count);
    if (last.status != IoStatus::ok) return last;
    size_t written = last.bytes;
    b.pending_bytes -= written;
    while (written > 0) {
      Segment& s = b.segments[b.head];
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
  if (body_ == nullptr) return 0;
  Body& b = *body_;
  if (b.head >= b.segments.size()) return 0;
  // The head segment may be partly written; we cannot tell a fresh one from a started
  // one cheaply for owned ranges, so keep the head whole and drop the rest.
  size_t dropped = 0;
  for (size_t i = b.head + 1; i < b.segments.size(); ++i) {
    dropped += b.segments[i].length;
    if (b.segments[i].shared) b.segments[i].shared->unref();
  }
  b.segments.resize(b.head + 1);
  b.pending_bytes -= dropped;
  const Segment& h = b.segments[b.head];
  if (!h.shared) b.owned_size = h.offset + h.length;
  return dropped;
}

void OutputQueue::clear() {
  release_body();
}

void OutputQueue::trim_tail(size_t n) {
  if (n == 0) return;
  Body& b = *body_;
  Segment& last = b.segments.back();
  last.length -= static_cast<uint32_t>(n);
  b.owned_size -= static_cast<uint32_t>(n);
  b.pending_bytes -= n;
  if (last.length == 0) {
    b.segments.pop_back();
    if (b.head == b.segments.size()) {
      b.segments.clear();
      b.head = 0;
    }
  }
}

void OutputQueue::shrink_if_empty(size_t keep) {
  if (body_ == nullptr || body_->pending_bytes != 0) return;
  if (keep == 0 || body_->owned_capacity > keep) release_body();
}

}  // namespace wshub::net
