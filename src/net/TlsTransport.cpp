#include "net/TlsTransport.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

namespace wshub::net {

namespace {

// One TLS record carries at most 2^14 bytes of plaintext (RFC 8446 §5.1, RFC 5246 §6.2.1).
constexpr size_t kMaxRecordPlaintext = 16384;

void append_openssl_reasons(std::string& out) {
  char buf[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
}

}  // namespace

// The socket BIO under the SSL: recv/send on the transport's fd, never write() (SIGPIPE), with
// errno saved in the transport because OpenSSL may make other calls before we look at it.
struct SocketBio {
  static TlsTransport& owner(BIO* bio) { return *static_cast<TlsTransport*>(BIO_get_data(bio)); }

  static int write(BIO* bio, const char* data, int len) {
    BIO_clear_retry_flags(bio);
    TlsTransport& t = owner(bio);
    for (;;) {
      ssize_t n = ::send(t.fd_, data, static_cast<size_t>(len), MSG_NOSIGNAL);
      if (n >= 0) return static_cast<int>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        BIO_set_retry_write(bio);
      } else {
        t.socket_errno_ = errno;
      }
      return -1;
    }
  }

  static int read(BIO* bio, char* data, int len) {
    BIO_clear_retry_flags(bio);
    TlsTransport& t = owner(bio);
    for (;;) {
      ssize_t n = ::recv(t.fd_, data, static_cast<size_t>(len), 0);
      if (n > 0) return static_cast<int>(n);
      if (n == 0) {
        t.peer_eof_ = true;  // reported through BIO_CTRL_EOF, as OpenSSL's socket BIO does
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        BIO_set_retry_read(bio);
      } else {
        t.socket_errno_ = errno;
      }
      return -1;
    }
  }

  static long ctrl(BIO* bio, int cmd, long, void* ptr) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;  // unbuffered
      case BIO_CTRL_EOF:
        return owner(bio).peer_eof_ ? 1 : 0;
      case BIO_C_GET_FD:
        if (ptr != nullptr) *static_cast<int*>(ptr) = owner(bio).fd_;
        return owner(bio).fd_;
      default:
        return 0;  // unsupported (kTLS, DGRAM, ...): OpenSSL falls back
    }
  }

  static BIO_METHOD* method() {
    // Created once per process and never freed (it is immutable and tiny).
    static BIO_METHOD* const m = [] {
      BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wshub socket");
      if (created != nullptr) {
        BIO_meth_set_write(created, write);
        BIO_meth_set_read(created, read);
        BIO_meth_set_ctrl(created, ctrl);
      }
      return created;
    }();
    return m;
  }
};

TlsTransport::TlsTransport(int fd, SSL_CTX* ctx) : fd_(fd) {
  BIO_METHOD* method = SocketBio::method();
  SSL* ssl = method != nullptr ? SSL_new(ctx) : nullptr;
  BIO* bio = ssl != nullptr ? BIO_new(method) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl);
    last_error_ = "cannot create the TLS session";
    append_openssl_reasons(last_error_);
    return;
  }
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);  // the SSL owns the one reference
  SSL_set_accept_state(ssl);
  ssl_ = ssl;
}

TlsTransport::TlsTransport(int fd, SSL_CTX* ctx, const std::string& server_name) : TlsTransport(fd, ctx) {
  if (ssl_ == nullptr) return;
  SSL_set_connect_state(ssl_);
  unsigned char ip[16];
  const bool is_ip =
      inet_pton(AF_INET, server_name.c_str(), ip) == 1 || inet_pton(AF_INET6, server_name.c_str(), ip) == 1;
  // Both only take effect when the context verifies peers (SSL_VERIFY_PEER).
  const bool named = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name.c_str()) == 1
                           : SSL_set_tlsext_host_name(ssl_, server_name.c_str()) == 1 &&
                                 SSL_set1_host(ssl_, server_name.c_str()) == 1;
  if (!named) {
    last_error_ = "cannot set the TLS server name";
    append_openssl_reasons(last_error_);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
}

TlsTransport::~TlsTransport() {
  SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

// OpenSSL reports through the thread's error queue, which must be empty before each call
// (SSL_get_error reads it): other OpenSSL users on this worker (JWT checks) may leave entries.
void TlsTransport::begin_call() {
  ERR_clear_error();
  socket_errno_ = 0;
}

IoResult TlsTransport::map_error(int ret, bool reading) {
  int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return {IoStatus::want_read, 0};
    case SSL_ERROR_WANT_WRITE:
      return {IoStatus::want_write, 0};
    case SSL_ERROR_ZERO_RETURN:
      last_error_ = "close_notify";
      return {IoStatus::closed, 0};
    case SSL_ERROR_SYSCALL:
      if (socket_errno_ == 0 && ERR_peek_error() == 0) {
        last_error_ = reading ? "EOF without close_notify" : "connection closed by the peer";
        return {reading ? IoStatus::closed : IoStatus::error, 0};
      }
      last_error_ = socket_errno_ != 0 ? std::strerror(socket_errno_) : "";
      append_openssl_reasons(last_error_);
      return {IoStatus::error, 0};
    case SSL_ERROR_SSL: {
      // OpenSSL 3 reports an EOF without close_notify this way (unless IGNORE_UNEXPECTED_EOF).
      unsigned long code = ERR_peek_error();
      if (reading && ERR_GET_LIB(code) == ERR_LIB_SSL &&
          ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        last_error_ = "EOF without close_notify";
        return {IoStatus::closed, 0};
      }
      last_error_.clear();
      append_openssl_reasons(last_error_);
      return {IoStatus::error, 0};
    }
    default:
      last_error_ = "SSL_get_error " + std::to_string(err);
      append_openssl_reasons(last_error_);
      return {IoStatus::error, 0};
  }
}

IoResult TlsTransport::handshake() {
  if (ssl_ == nullptr) return {IoStatus::error, 0};
  if (SSL_is_init_finished(ssl_)) return {IoStatus::ok, 0};
  begin_call();
  int ret = SSL_do_handshake(ssl_);  // SSL_accept or SSL_connect, by the state set at construction
  if (ret == 1) return {IoStatus::ok, 0};
  return map_error(ret, false);
}

IoResult TlsTransport::read(std::span<std::byte> into) {
  assert(!into.empty());
  if (ssl_ == nullptr) return {IoStatus::error, 0};
  begin_call();
  size_t n = 0;
  if (SSL_read_ex(ssl_, into.data(), into.size(), &n) == 1) return {IoStatus::ok, n};
  return map_error(0, true);
}

bool TlsTransport::has_buffered_input() const {
  return ssl_ != nullptr && SSL_has_pending(ssl_) == 1;
}

// TLS cannot scatter: each SSL_write produces at least one record and one send(). Writing a
// WebSocket header (2-14 bytes) and its payload as separate SSL_writes would cost a 22+ byte
// record header and a syscall each, and the peer one decryption each. So parts shorter than a
// record are copied into a stack buffer until it holds a full record's worth; a part at least a
// record long is handed to OpenSSL in place (it is cut into records without a copy of ours).
//
// The chunking depends only on the bytes from the current position on, so a retry that starts
// at the same byte with at least as many bytes (the retry contract in the header) presents the
// same first chunk, at least as long: exactly what OpenSSL needs to finish a pending record.
IoResult TlsTransport::writev(const iovec* parts, int count) {
  if (ssl_ == nullptr) return {IoStatus::error, 0};
  unsigned char stage[kMaxRecordPlaintext];
  size_t total = 0;
  int index = 0;      // current part
  size_t offset = 0;  // bytes of parts[index] already accepted
  auto base = [parts](int i) { return static_cast<const unsigned char*>(parts[i].iov_base); };

  for (;;) {
    while (index < count && offset == parts[index].iov_len) {
      ++index;
      offset = 0;
    }
    if (index == count) return {IoStatus::ok, total};

    const unsigned char* data;
    size_t len;
    size_t remaining = parts[index].iov_len - offset;
    if (remaining >= kMaxRecordPlaintext) {
      data = base(index) + offset;
      len = remaining;
    } else {
      len = 0;
      size_t from = offset;
      for (int i = index; i < count && len < sizeof stage; ++i, from = 0) {
        size_t take = std::min(parts[i].iov_len - from, sizeof stage - len);
        std::memcpy(stage + len, base(i) + from, take);
        len += take;
      }
      data = stage;
    }

    begin_call();
    size_t written = 0;
    if (SSL_write_ex(ssl_, data, len, &written) != 1) {
      IoResult r = map_error(0, false);
      if (r.status == IoStatus::error) return {IoStatus::error, total};
      // Progress so far is reported; the caller comes back for the rest (and the pending record).
      return total > 0 ? IoResult{IoStatus::ok, total} : r;
    }
    // Partial-write mode: `written` may be one record's worth of `len`. Advance over the parts.
    total += written;
    while (written > 0) {
      size_t step = std::min(written, parts[index].iov_len - offset);
      offset += step;
      written -= step;
      if (offset == parts[index].iov_len && written > 0) {
        ++index;
        offset = 0;
      }
    }
  }
}

void TlsTransport::shutdown_write() {
  if (ssl_ != nullptr && !shutdown_sent_ && SSL_is_init_finished(ssl_)) {
    shutdown_sent_ = true;
    begin_call();
    SSL_shutdown(ssl_);  // best effort: sends close_notify if the socket takes it
    ERR_clear_error();
  }
  ::shutdown(fd_, SHUT_WR);
}

std::string_view TlsTransport::alpn() const {
  if (ssl_ == nullptr) return {};
  const unsigned char* name = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &name, &len);
  return {reinterpret_cast<const char*>(name), len};
}

}  // namespace wshub::net
