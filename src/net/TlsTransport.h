#pragma once
// net::Transport over OpenSSL, on a non-blocking socket: the server side (accept) and, for
// clients/cpp, the client side (connect with SNI and peer-name verification).
//
// The SSL object does its socket I/O through a small BIO of ours (recv, and send with
// MSG_NOSIGNAL): OpenSSL's socket BIO uses write(), which raises SIGPIPE on a closed peer, and a
// library must not depend on the process ignoring that signal.
//
// Status mapping
//   handshake/read/writev: SSL_ERROR_WANT_READ -> want_read, SSL_ERROR_WANT_WRITE -> want_write
//     (a read can need to write and a write to read: wait for what is asked, then call again).
//   read: close_notify -> closed; EOF without close_notify -> closed as well (WebSocket frames
//     are self-delimiting and a missing close frame is already visible as code 1006, so a
//     truncation gains an attacker nothing); everything else -> error with last_error().
//
// Write retry contract (OpenSSL's "repeat SSL_write with the same arguments"): when writev()
// returns want_write, or ok with fewer bytes than offered, OpenSSL may have encrypted and
// buffered the first unreported bytes already. The caller must call writev() again starting at
// the first byte not reported as written, offering at least as many bytes as before (it may
// offer more, from a different address: ACCEPT_MOVING_WRITE_BUFFER). A connection that keeps its
// unsent output queued and always writes from the head of that queue does exactly this.
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "net/Transport.h"

namespace wshub::net {

class TlsTransport final : public Transport {
 public:
  // Takes ownership of `fd` (connected, non-blocking) and creates the SSL from `ctx` (which
  // SSL_new references, so the context may be replaced by a reload meanwhile). A failure to
  // create the SSL (out of memory) is reported by the first handshake() as an error.
  TlsTransport(int fd, SSL_CTX* ctx);
  // Client side: the handshake is SSL_connect. `server_name` is sent as SNI (when it is a DNS
  // name; RFC 6066 §3 forbids IP literals there) and, when `ctx` verifies peers
  // (make_client_tls_context), is the name or IP address the certificate must match.
  TlsTransport(int fd, SSL_CTX* ctx, const std::string& server_name);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;  // the BIO points at this object
  TlsTransport& operator=(const TlsTransport&) = delete;

  // SSL_accept (or SSL_connect on the client side). ok once the handshake is complete.
  IoResult handshake() override;
  // One SSL_read_ex into `into` (non-empty): at most one record's worth.
  IoResult read(std::span<std::byte> into) override;
  // Writes the parts in order, coalescing small parts into full records; see the retry contract
  // above. Returns ok with the bytes accepted (possibly fewer than offered), or want_write /
  // want_read when nothing was accepted.
  IoResult writev(const iovec* parts, int count) override;
  // Decrypted or buffered record data that epoll will not announce again.
  bool has_buffered_input() const override;
  // close_notify (once, if the handshake finished; the result is ignored), then FIN.
  void shutdown_write() override;
  int fd() const override { return fd_; }

  // Why the last call returned error, for logs: OpenSSL's reasons or the socket's errno.
  std::string_view last_error() const { return last_error_; }
  // Negotiated ALPN protocol ("http/1.1") or empty.
  std::string_view alpn() const;
  SSL* native() const { return ssl_; }

 private:
  friend struct SocketBio;
  void begin_call();
  // Maps a failed SSL_* call to a status, setting last_error_ when it is not a retry.
  IoResult map_error(int ret, bool reading);

  int fd_;
  SSL* ssl_ = nullptr;
  int socket_errno_ = 0;   // errno of the BIO's last failed recv/send (OpenSSL may clobber errno)
  bool peer_eof_ = false;  // the BIO's recv returned 0
  bool shutdown_sent_ = false;
  std::string last_error_;
};

}  // namespace wshub::net
