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

  size_t size() const { return pending_bytes_; }
  bool empty() const { return pending_bytes_ == 0; }

  // Writes with as few writev calls as the transport needs, until the queue is empty or
  // the transport would block. Returns the status of the last call (ok when emptied).
  IoResult flush(Transport& transport);

  // Drops every segment not yet started. A partly written segment is kept whole, so the
  // peer still receives complete frames. Returns the number of bytes dropped.
  size_t discard_unstarted();

  void clear();

  // Gives back the last `n` bytes of the owned tail (reserved by append_uninitialized but
  // not used, e.g. header slack). Precondition: the last segment is owned and >= n long.
  void trim_tail(size_t n);

  // While empty, releases buffer capacity above `keep` bytes (idle connections hold no
  // output memory).
  void shrink_if_empty(size_t keep = 0);
  size_t capacity() const { return owned_capacity_; }

 private:
  struct Segment {
    SharedBuffer* shared;  // nullptr: a range of owned_
    uint32_t offset;       // for owned: offset into owned_
    uint32_t length;
  };
  void pop_front_segment();
  void compact_owned();
  std::byte* owned_tail(size_t n);

  std::vector<Segment> segments_;
  size_t head_ = 0;  // first unsent segment
  std::unique_ptr<std::byte[]> owned_;
  uint32_t owned_size_ = 0;
  uint32_t owned_capacity_ = 0;
  size_t pending_bytes_ = 0;
};

}  // namespace wshub::net
