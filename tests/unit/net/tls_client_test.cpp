// The client side of TlsTransport (SNI, peer-name verification) and make_client_tls_context,
// against the server side over a socketpair, in one thread: both ends are non-blocking and the
// test alternates between them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "net/TlsClientContext.h"
#include "net/TlsContext.h"
#include "net/TlsTransport.h"

namespace wshub::net {
namespace {

namespace fs = std::filesystem;

class TlsClientTest : public ::testing::Test {
 protected:
  static inline fs::path dir;
  static inline std::string cert_file, key_file;

  // A self-signed certificate for DNS:localhost and IP:127.0.0.1, made with the OpenSSL API.
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/wshub-tls-client-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    cert_file = dir / "cert.pem";
    key_file = dir / "key.pem";
    FILE* f = std::fopen(cert_file.c_str(), "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    f = std::fopen(key_file.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  static void TearDownTestSuite() { fs::remove_all(dir); }

  // Handshakes a client for `server_name` with `options` against the server; returns the
  // client's status and its error.
  static IoStatus handshake(const std::string& server_name, const ClientTlsOptions& options,
                            std::string& error) {
    std::string ctx_error;
    auto server_ctx = TlsContext::create(cert_file, key_file, ctx_error);
    EXPECT_NE(server_ctx, nullptr) << ctx_error;
    SslCtxPtr client_ctx = make_client_tls_context(options, ctx_error);
    EXPECT_NE(client_ctx, nullptr) << ctx_error;
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    TlsTransport server(fds[0], server_ctx->native());
    TlsTransport client(fds[1], client_ctx.get(), server_name);
    IoResult s{IoStatus::want_read}, c{IoStatus::want_read};
    for (int i = 0; i < 100; ++i) {
      if (c.status != IoStatus::ok && c.status != IoStatus::error) c = client.handshake();
      if (s.status != IoStatus::ok && s.status != IoStatus::error) s = server.handshake();
      if (c.status == IoStatus::error || (c.status == IoStatus::ok && s.status == IoStatus::ok)) break;
    }
    error = std::string(client.last_error());
    if (c.status == IoStatus::ok) {  // and the session carries bytes
      std::string hello = "hello";
      iovec part{hello.data(), hello.size()};
      EXPECT_EQ(client.writev(&part, 1).bytes, hello.size());
      std::byte buf[16];
      IoResult r{IoStatus::want_read};
      for (int i = 0; i < 10 && r.status != IoStatus::ok; ++i) r = server.read(buf);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), r.bytes), hello);
    }
    return c.status;
  }
};

TEST_F(TlsClientTest, VerifiesTheNameAndTheIpAddressAgainstTheCaFile) {
  std::string error;
  EXPECT_EQ(handshake("localhost", {true, cert_file}, error), IoStatus::ok) << error;
  EXPECT_EQ(handshake("127.0.0.1", {true, cert_file}, error), IoStatus::ok) << error;
}

TEST_F(TlsClientTest, RefusesAnotherNameOrAnUntrustedCertificate) {
  std::string error;
  EXPECT_EQ(handshake("other.example", {true, cert_file}, error), IoStatus::error);
  EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
  EXPECT_EQ(handshake("127.0.0.2", {true, cert_file}, error), IoStatus::error);
  // The system's roots do not include a certificate made by this test.
  EXPECT_EQ(handshake("localhost", {true, ""}, error), IoStatus::error);
}

TEST_F(TlsClientTest, WithoutVerificationAnyCertificateIsAccepted) {
  std::string error;
  EXPECT_EQ(handshake("other.example", {false, ""}, error), IoStatus::ok) << error;
}

TEST_F(TlsClientTest, AnUnreadableCaFileIsReported) {
  std::string error;
  EXPECT_EQ(make_client_tls_context({true, (dir / "missing.pem").string()}, error), nullptr);
  EXPECT_NE(error.find("missing.pem"), std::string::npos) << error;
}

}  // namespace
}  // namespace wshub::net
