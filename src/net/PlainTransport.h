#pragma once
// net::Transport over a plain, non-blocking TCP socket: recv and sendmsg, nothing else.
//
// Error mapping (the owner closes the connection on closed and error alike; the distinction is
// for logs and metrics):
//   recv() == 0                      -> closed (the peer's FIN)
//   EAGAIN / EWOULDBLOCK             -> want_read / want_write
//   EINTR                            -> retried here
//   ECONNRESET, EPIPE, anything else -> error, with errno kept in last_errno(). A reset is not
//     an orderly end of stream: data we had queued was lost, which is worth counting apart
//     from clean closes.
#include "net/Transport.h"

namespace wshub::net {

class PlainTransport final : public Transport {
 public:
  // Takes ownership of `fd`, which must be a connected, non-blocking stream socket.
  explicit PlainTransport(int fd) : fd_(fd) {}
  ~PlainTransport() override;
  PlainTransport(const PlainTransport&) = delete;
  PlainTransport& operator=(const PlainTransport&) = delete;

  // One recv() into `into` (non-empty). Never blocks.
  IoResult read(std::span<std::byte> into) override;
  // One sendmsg() with MSG_NOSIGNAL (no SIGPIPE on a closed peer), at most IOV_MAX parts: a
  // partial write reports the bytes taken and the caller resends the rest from that position.
  // An empty write (no bytes in `parts`) returns ok with 0 bytes and makes no syscall.
  IoResult writev(const iovec* parts, int count) override;
  void shutdown_write() override;
  int fd() const override { return fd_; }

  // errno of the last operation that returned error (0 if none): for logs.
  int last_errno() const { return last_errno_; }

 private:
  IoResult fail(int err);

  int fd_;
  int last_errno_ = 0;
};

}  // namespace wshub::net
