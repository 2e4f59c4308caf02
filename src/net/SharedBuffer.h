#pragma once
// An immutable byte buffer shared by many output queues: the unit of fan-out. A message
// sent to 10,000 connections is framed once into one SharedBuffer and each connection's
// queue holds a reference, never a copy.
//
// The reference count is deliberately not atomic: a SharedBuffer never leaves the worker
// that made it (a publication crosses workers as its payload and each worker frames it
// once), so fan-out costs a plain increment per recipient, not a contended atomic.
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace wshub::net {

class SharedBuffer {
 public:
  // One allocation holds the header and `size` bytes; contents are written by the creator
  // through data() before the buffer is shared.
  static SharedBuffer* create(size_t size) {
    void* memory = ::operator new(sizeof(SharedBuffer) + size);
    return new (memory) SharedBuffer(size);
  }

  std::byte* data() { return reinterpret_cast<std::byte*>(this + 1); }
  const std::byte* data() const { return reinterpret_cast<const std::byte*>(this + 1); }
  size_t size() const { return size_; }
  uint32_t references() const { return references_; }

  void ref() { ++references_; }
  void unref() {
    if (--references_ == 0) {
      this->~SharedBuffer();
      ::operator delete(this);
    }
  }

 private:
  explicit SharedBuffer(size_t size) : size_(size) {}
  size_t size_;
  uint32_t references_ = 1;
};

// Owning handle (like an intrusive_ptr).
class SharedBufferRef {
 public:
  SharedBufferRef() = default;
  // Adopts the creator's reference.
  static SharedBufferRef adopt(SharedBuffer* buffer) { return SharedBufferRef(buffer); }
  SharedBufferRef(const SharedBufferRef& other) : buffer_(other.buffer_) {
    if (buffer_) buffer_->ref();
  }
  SharedBufferRef(SharedBufferRef&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}
  SharedBufferRef& operator=(SharedBufferRef other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  ~SharedBufferRef() {
    if (buffer_) buffer_->unref();
  }

  SharedBuffer* get() const { return buffer_; }
  SharedBuffer* operator->() const { return buffer_; }
  explicit operator bool() const { return buffer_ != nullptr; }
  // Hands the reference to a raw holder (OutputQueue segments) that will unref() it.
  SharedBuffer* release() { return std::exchange(buffer_, nullptr); }

 private:
  explicit SharedBufferRef(SharedBuffer* buffer) : buffer_(buffer) {}
  SharedBuffer* buffer_ = nullptr;
};

}  // namespace wshub::net
