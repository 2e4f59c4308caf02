#pragma once
// The server's TLS configuration: one OpenSSL SSL_CTX built from a PEM certificate chain and a
// PEM private key, shared by all workers, replaceable at run time (SIGHUP) for new connections.
//
// Policy (see TlsContext.cpp for the reasons): TLS 1.2 minimum, OpenSSL's default cipher suites,
// no renegotiation, server-side session cache and tickets, ALPN "http/1.1" when offered, partial
// writes with a moving write buffer (what TlsTransport relies on) and released buffers on idle
// connections.
//
// Threads: create() and reload() run on the control thread; native() is called by the workers
// at accept. The current SSL_CTX sits behind a mutex taken only by native() and reload(): accept
// is not a per-message path. SSL_new() takes its own reference on the SSL_CTX, so connections
// keep the context they were created with, whatever happens to this object afterwards.
#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

namespace wshub::net {

class TlsContext {
 public:
  // Loads `cert_file` (PEM chain, leaf first) and `key_file` (PEM, unencrypted) and checks that
  // the key matches the certificate. On failure returns nullptr and sets `error` to a message
  // naming the file and OpenSSL's reason. Never prompts for a passphrase.
  static std::unique_ptr<TlsContext> create(const std::string& cert_file, const std::string& key_file,
                                            std::string& error);

  // The SSL_CTX for a new connection: pass it to SSL_new (TlsTransport) right away. The pointer
  // stays valid until the second reload() after this call (the previous context is retained for
  // one reload period), which covers the microseconds between native() and SSL_new().
  SSL_CTX* native() const;

  // Builds a new SSL_CTX from the files and, only if that succeeds, makes it the one native()
  // returns. Existing connections keep their context; on failure nothing changes and `error`
  // says why. Session cache and ticket keys are per context, so sessions from before a reload
  // are not resumed after it (clients fall back to a full handshake).
  bool reload(const std::string& cert_file, const std::string& key_file, std::string& error);

 private:
  using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
  explicit TlsContext(CtxPtr ctx) : current_(std::move(ctx)), previous_(nullptr, &SSL_CTX_free) {}
  static CtxPtr build(const std::string& cert_file, const std::string& key_file, std::string& error);

  mutable std::mutex mutex_;
  CtxPtr current_;
  CtxPtr previous_;  // kept alive for a reload period: see native()
};

}  // namespace wshub::net
