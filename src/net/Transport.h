#pragma once
// The one seam between a connection and its byte stream (plain TCP or TLS), in the
// spirit of Redis's connection type: one indirect call per I/O operation, never per byte.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace wshub::net {

enum class IoStatus : uint8_t {
  ok,          // `bytes` > 0 were transferred
  want_read,   // nothing now: retry when the socket is readable
  want_write,  // nothing now: retry when the socket is writable (TLS reads can need this)
  closed,      // orderly end of stream from the peer
  error,       // fatal: close the connection
};

struct IoResult {
  IoStatus status;
  size_t bytes = 0;
};

// A transport owns its socket: the destructor closes the fd.
class Transport {
 public:
  virtual ~Transport() = default;

  // Drives the server side of a transport-level handshake (TLS). Returns ok once it is
  // complete; want_read/want_write while it needs the socket; error when it failed.
  virtual IoResult handshake() { return {IoStatus::ok, 0}; }

  virtual IoResult read(std::span<std::byte> into) = 0;
  virtual IoResult writev(const iovec* parts, int count) = 0;

  // True when the transport holds input that socket readiness will not announce again
  // (decrypted TLS records): the owner must read again without waiting for epoll.
  virtual bool has_buffered_input() const { return false; }

  // Best-effort orderly shutdown of the sending side (TLS close_notify, then FIN).
  virtual void shutdown_write() = 0;

  virtual int fd() const = 0;
};

}  // namespace wshub::net
