#include "net/TlsContext.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wshub::net {

namespace {

// Drains this thread's OpenSSL error queue into one line ("reason; reason"), oldest first.
std::string openssl_reasons() {
  std::string out;
  char buf[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// A readable error for the common case before OpenSSL's more cryptic one.
bool readable(const std::string& file, const char* what, std::string& error) {
  if (::access(file.c_str(), R_OK) == 0) return true;
  error = std::string("cannot read ") + what + " '" + file + "': " + std::strerror(errno);
  return false;
}

// An encrypted key must fail the load, not block the server on a terminal prompt.
int refuse_passphrase(char*, int, int, void*) {
  return 0;
}

constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};

// ALPN (RFC 7301): we speak only HTTP/1.1 (WebSocket over HTTP/2, RFC 8441, is not supported).
// A client that offers ALPN without http/1.1 (say only "h2") gets no ALPN extension back rather
// than a no_application_protocol alert: the RFC allows the server to ignore ALPN, and such a
// client then speaks HTTP/1.1 or fails visibly at the HTTP layer, where we can log it properly.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                  unsigned int in_len, void*) {
  // `in` is a list of length-prefixed names; untrusted, so bounds-check every step.
  for (unsigned int i = 0; i < in_len;) {
    unsigned int len = in[i++];
    if (len > in_len - i) break;
    if (len == sizeof kHttp11 && std::memcmp(in + i, kHttp11, len) == 0) {
      *out = kHttp11;
      *out_len = sizeof kHttp11;
      return SSL_TLSEXT_ERR_OK;
    }
    i += len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

TlsContext::CtxPtr TlsContext::build(const std::string& cert_file, const std::string& key_file,
                                     std::string& error) {
  CtxPtr none(nullptr, &SSL_CTX_free);
  if (!readable(cert_file, "certificate chain", error) || !readable(key_file, "private key", error)) {
    return none;
  }
  ERR_clear_error();  // so the reasons below are ours
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx) {
    error = "cannot create a TLS context: " + openssl_reasons();
    return none;
  }
  SSL_CTX* c = ctx.get();

  // TLS 1.0/1.1 are deprecated (RFC 8996). Ciphers: OpenSSL's defaults, which are AEAD-first
  // and track its security level better than a list we would have to maintain; we pick the
  // order for TLS 1.2 so clients cannot prefer CBC suites. No renegotiation: a client-initiated
  // renegotiation is a CPU DoS vector and WebSocket never needs one.
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);

  // PARTIAL_WRITE: SSL_write returns after each record, so TlsTransport can report progress.
  // ACCEPT_MOVING_WRITE_BUFFER: a retried write may come from a different address (the caller's
  // output queue may have been compacted) as long as it starts with the same bytes.
  // RELEASE_BUFFERS: free the ~34 KiB of read/write buffers while a connection is idle, which is
  // most connections most of the time on a messaging server.
  SSL_CTX_set_mode(
      c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);

  // Resumption: TLS 1.3 tickets and the TLS 1.2 server-side cache (internally locked, touched
  // once per handshake). The id context scopes cached sessions to this service.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  static constexpr unsigned char kSessionContext[] = {'w', 's', 'h', 'u', 'b'};
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext);

  SSL_CTX_set_alpn_select_cb(c, select_http11, nullptr);
  SSL_CTX_set_default_passwd_cb(c, refuse_passphrase);

  if (SSL_CTX_use_certificate_chain_file(c, cert_file.c_str()) != 1) {
    error = "cannot load certificate chain '" + cert_file + "': " + openssl_reasons();
    return none;
  }
  auto mismatch = [&] {
    return "private key '" + key_file + "' does not match certificate '" + cert_file +
           "': " + openssl_reasons();
  };
  if (SSL_CTX_use_PrivateKey_file(c, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // Loading the key already compares it with the certificate's public key.
    unsigned long code = ERR_peek_last_error();
    bool is_mismatch =
        ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH;
    error = is_mismatch ? mismatch() : "cannot load private key '" + key_file + "': " + openssl_reasons();
    return none;
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    error = mismatch();
    return none;
  }
  return ctx;
}

std::unique_ptr<TlsContext> TlsContext::create(const std::string& cert_file, const std::string& key_file,
                                               std::string& error) {
  CtxPtr ctx = build(cert_file, key_file, error);
  if (!ctx) return nullptr;
  return std::unique_ptr<TlsContext>(new TlsContext(std::move(ctx)));
}

SSL_CTX* TlsContext::native() const {
  std::lock_guard lock(mutex_);
  return current_.get();
}

bool TlsContext::reload(const std::string& cert_file, const std::string& key_file, std::string& error) {
  CtxPtr fresh = build(cert_file, key_file, error);  // outside the lock: file I/O and key checks
  if (!fresh) return false;
  CtxPtr retired(nullptr, &SSL_CTX_free);  // freed after the lock is released
  {
    std::lock_guard lock(mutex_);
    retired = std::move(previous_);
    previous_ = std::move(current_);
    current_ = std::move(fresh);
  }
  return true;
}

}  // namespace wshub::net
