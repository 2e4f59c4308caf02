#include "net/TlsClientContext.h"

#include <openssl/err.h>

namespace wshub::net {

SslCtxPtr make_client_tls_context(const ClientTlsOptions& options, std::string& error) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  auto fail = [&](std::string what) {
    char buf[256];
    while (unsigned long code = ERR_get_error()) {
      ERR_error_string_n(code, buf, sizeof buf);
      what.append(": ").append(buf);
    }
    error = std::move(what);
    return SslCtxPtr(nullptr, &SSL_CTX_free);
  };
  if (!ctx) return fail("cannot create the TLS client context");
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (options.verify_peer) {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    const bool loaded = options.ca_file.empty()
                            ? SSL_CTX_set_default_verify_paths(c) == 1
                            : SSL_CTX_load_verify_locations(c, options.ca_file.c_str(), nullptr) == 1;
    if (!loaded)
      return fail("cannot load the trusted certificates" +
                  (options.ca_file.empty() ? std::string() : " from " + options.ca_file));
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

}  // namespace wshub::net
