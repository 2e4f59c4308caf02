#pragma once
// A connection's outbound bytes, corked: everything a connection is sent during one
// loop iteration is queued here and written with one writev when the iteration ends.
//
// Bytes are either owned (copied in: echo replies, control frames, handshake responses)
// or shared (a reference to a fan-out SharedBuffer). Both kinds are kept in one ordered
// list of segments so the wire order is exactly the send order.
//
// Invariant: size() is the exact number of unsent bytes; it is the figure the
// backpressure policy compares with the configured limit.
//
// Memory: an idle connection's queue is one null pointer (8 bytes). The segment list and
// the owned buffer live in a Body taken on the first append and given back by
// shrink_if_empty()/clear() once everything is written, so the many connections that
// have nothing to send hold nothing (uWebSockets likewise allocates output only when a
// write cannot complete). Given-back bodies go to a small per-thread cache, so a busy
// connection that empties its queue every iteration does not malloc per message, and
// the short-lived buffers of handshake responses do not fragment the heap between the
// long-lived connection objects.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "net/SharedBuffer.h"
#include "net/Transport.h"

namespace wshub::net {

class OutputQueue {
 public:
  OutputQueue() = default;
  ~OutputQueue() { clear(); }
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  // Space for `n` owned bytes at the tail, to be filled by the caller at once (frame
  // header and payload written in place, no temporary).
  std::byte* append_uninitialized(size_t n);
  void append(std::span<const std::byte> bytes);
  void append_shared(const SharedBufferRef& buffer, size_t offset, size_t length);
  void append_shared(const SharedBufferRef& buffer) { append_shared(buffer, 0, buffer->size()); }

  size_t size() const { return body_ ? body_->pending_bytes : 0; }
  bool empty() const { return size() == 0; }

  // Writes with as few writev calls as the transport needs, until the queue is empty or
  // the transport would block. Returns the status of the last call (ok when emptied).
  IoResult flush(Transport& transport);

  // Drops every segment not yet started. A partly written segment is kept whole, so the
  // peer still receives complete frames. Returns the number of bytes dropped.
  size_t discard_unstarted();

  // Drops everything and gives the memory back.
  void clear();

  // Gives back the last `n` bytes of the owned tail (reserved by append_uninitialized but
  // not used, e.g. header slack). Precondition: the last segment is owned and >= n long.
  void trim_tail(size_t n);

  // While empty: with keep == 0 gives all memory back (idle connections hold no output
  // memory); otherwise only when the owned buffer grew above `keep` bytes.
  void shrink_if_empty(size_t keep = 0);
  size_t capacity() const { return body_ ? body_->owned_capacity : 0; }
  // size() minus its value at the previous call: a gauge of queued bytes follows its
  // queues by these deltas. Kept in the body, which exists only while bytes wait, so an
  // idle queue stays one pointer. Call it before clear() or shrink_if_empty() (the body
  // and what it reported leave together: see reported_size()).
  int64_t take_size_change() {
    if (body_ == nullptr) return 0;
    auto change = static_cast<int64_t>(body_->pending_bytes) - static_cast<int64_t>(body_->reported);
    body_->reported = body_->pending_bytes;
    return change;
  }
  size_t reported_size() const { return body_ ? body_->reported : 0; }
  // True while the queue holds a Body (pending bytes, or kept warm by shrink_if_empty).
  bool holds_memory() const { return body_ != nullptr; }

 private:
  struct Segment {
    SharedBuffer* shared;  // nullptr: a range of owned
    uint32_t offset;       // for owned: offset into owned
    uint32_t length;
  };
  struct Body {
    std::vector<Segment> segments;
    size_t head = 0;  // first unsent segment
    std::unique_ptr<std::byte[]> owned;
    uint32_t owned_size = 0;
    uint32_t owned_capacity = 0;
    size_t pending_bytes = 0;
    size_t reported = 0;  // pending_bytes as of the last take_size_change()
  };
  friend struct OutputQueueBodyCache;
  Body& body();  // takes one when there is none
  void release_body();
  void pop_front_segment();
  void compact_owned();
  std::byte* owned_tail(size_t n);

  Body* body_ = nullptr;
};

}  // namespace wshub::net
