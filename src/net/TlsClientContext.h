#pragma once
// The SSL_CTX of a TLS client (clients/cpp connecting to wss:// URLs). The server's context is
// TlsContext; a client needs no certificate, but it must check the server's.
//
// Policy: TLS 1.2 minimum, OpenSSL's default cipher suites, peer verification on unless the
// caller turns it off (tests with a self-signed certificate), trusted roots from `ca_file` or
// else the system's default store. The modes TlsTransport's write contract relies on (partial
// writes, a moving write buffer) are set here as in TlsContext.
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace wshub::net {

struct ClientTlsOptions {
  bool verify_peer = true;  // false: accept any certificate (tests only)
  std::string ca_file;      // PEM bundle of trusted roots; empty: the system's default paths
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// nullptr and `error` set when OpenSSL refuses (an unreadable CA file).
SslCtxPtr make_client_tls_context(const ClientTlsOptions& options, std::string& error);

}  // namespace wshub::net
