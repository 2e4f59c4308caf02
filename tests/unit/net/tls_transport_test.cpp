// TlsContext and TlsTransport against a real OpenSSL client over a socketpair, in one thread:
// both ends are non-blocking and the test alternates between them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/TlsContext.h"
#include "net/TlsTransport.h"

namespace wshub::net {
namespace {

namespace fs = std::filesystem;

// ---- Test certificates, made with the OpenSSL API at test time ----

EVP_PKEY* make_key() {
  return EVP_EC_gen("P-256");
}

X509* make_self_signed(EVP_PKEY* key, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
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
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  return cert;
}

void write_file(const fs::path& path, const std::function<void(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  write(f);
  std::fclose(f);
}

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string cert_file, key_file;
};

class TlsTest : public ::testing::Test {
 protected:
  static inline fs::path dir;
  static inline Identity first, second;
  static inline std::string encrypted_key_file, garbage_file;

  static void make_identity(Identity& id, const std::string& name, long serial) {
    id.key = make_key();
    id.cert = make_self_signed(id.key, serial);
    id.cert_file = dir / (name + ".crt");
    id.key_file = dir / (name + ".key");
    write_file(id.cert_file, [&](FILE* f) { PEM_write_X509(f, id.cert); });
    write_file(id.key_file,
               [&](FILE* f) { PEM_write_PrivateKey(f, id.key, nullptr, nullptr, 0, nullptr, nullptr); });
  }

  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/wshub-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    make_identity(first, "first", 1);
    make_identity(second, "second", 2);
    encrypted_key_file = dir / "encrypted.key";
    write_file(encrypted_key_file, [](FILE* f) {
      char pass[] = "secret";
      PEM_write_PrivateKey(f, first.key, EVP_aes_128_cbc(), nullptr, 0, nullptr, pass);
    });
    garbage_file = dir / "garbage.pem";
    write_file(garbage_file, [](FILE* f) { std::fputs("not a certificate\n", f); });
  }

  static void TearDownTestSuite() {
    for (Identity* id : {&first, &second}) {
      X509_free(id->cert);
      EVP_PKEY_free(id->key);
    }
    fs::remove_all(dir);
  }

  void SetUp() override {
    std::string error;
    context = TlsContext::create(first.cert_file, first.key_file, error);
    ASSERT_NE(context, nullptr) << error;
    client_ctx = make_client_ctx(first.cert);
  }
  void TearDown() override { SSL_CTX_free(client_ctx); }

  // A verifying client that trusts `trusted` for "localhost".
  static SSL_CTX* make_client_ctx(X509* trusted) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), trusted);
    return ctx;
  }

  std::unique_ptr<TlsContext> context;
  SSL_CTX* client_ctx = nullptr;
};

// ---- A server transport and an OpenSSL client on the two ends of a socketpair ----

struct Link {
  int client_fd = -1;
  std::unique_ptr<TlsTransport> server;
  SSL* client = nullptr;
  IoResult server_handshake{IoStatus::want_read};
  int client_handshake = 0;

  Link(SSL_CTX* server_ctx, SSL_CTX* client_ctx, const std::string& alpn = "") {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    client_fd = fds[1];
    server = std::make_unique<TlsTransport>(fds[0], server_ctx);
    client = SSL_new(client_ctx);
    SSL_set_fd(client, client_fd);
    SSL_set_connect_state(client);
    SSL_set_tlsext_host_name(client, "localhost");
    SSL_set1_host(client, "localhost");
    if (!alpn.empty()) {
      SSL_set_alpn_protos(client, reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
    }
  }
  ~Link() {
    SSL_free(client);
    if (client_fd >= 0) ::close(client_fd);
  }

  // Steps both sides until both finished or one failed. True when both succeeded.
  bool handshake() {
    for (int i = 0; i < 100; ++i) {
      if (server_handshake.status != IoStatus::ok) server_handshake = server->handshake();
      if (client_handshake != 1) {
        ERR_clear_error();
        client_handshake = SSL_do_handshake(client);
        if (client_handshake != 1) {
          int err = SSL_get_error(client, client_handshake);
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) client_handshake = -100;
        }
      }
      if (server_handshake.status == IoStatus::ok && client_handshake == 1) return true;
      if (server_handshake.status == IoStatus::error || client_handshake == -100) {
        if (server_handshake.status != IoStatus::error) server_handshake = server->handshake();
        return false;
      }
    }
    ADD_FAILURE() << "handshake did not finish";
    return false;
  }

  // Reads everything the client can decrypt right now.
  std::string client_drain() {
    std::string out;
    char buf[65536];
    for (;;) {
      size_t n = 0;
      if (SSL_read_ex(client, buf, sizeof buf, &n) != 1) break;
      out.append(buf, n);
    }
    return out;
  }

  void client_send(const std::string& data) {
    size_t n = 0;
    ASSERT_EQ(SSL_write_ex(client, data.data(), data.size(), &n), 1);
    ASSERT_EQ(n, data.size());
  }

  // Reads on the server until `want` bytes arrived or something other than ok/want_read happens.
  std::string server_read(size_t want, IoStatus* last = nullptr) {
    std::string out;
    std::vector<std::byte> buf(4096);
    IoResult r{IoStatus::ok};
    for (int spins = 0; out.size() < want && spins < 1000; ++spins) {
      r = server->read(buf);
      if (r.status == IoStatus::ok) {
        out.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
      } else if (r.status != IoStatus::want_read) {
        break;
      }
    }
    if (last) *last = r.status;
    return out;
  }
};

std::string_view client_alpn(SSL* ssl) {
  const unsigned char* name = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &name, &len);
  return {reinterpret_cast<const char*>(name), len};
}

// ---- TlsContext ----

TEST_F(TlsTest, CreateReportsTheFileAndTheReason) {
  std::string error;
  EXPECT_EQ(TlsContext::create(dir / "missing.crt", first.key_file, error), nullptr);
  EXPECT_NE(error.find("missing.crt"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;

  EXPECT_EQ(TlsContext::create(first.cert_file, dir / "missing.key", error), nullptr);
  EXPECT_NE(error.find("missing.key"), std::string::npos) << error;

  EXPECT_EQ(TlsContext::create(garbage_file, first.key_file, error), nullptr);
  EXPECT_NE(error.find("certificate chain '" + garbage_file + "'"), std::string::npos) << error;

  EXPECT_EQ(TlsContext::create(first.cert_file, second.key_file, error), nullptr);
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
  EXPECT_NE(error.find(second.key_file), std::string::npos) << error;

  // An encrypted key fails instead of prompting for a passphrase on the terminal.
  EXPECT_EQ(TlsContext::create(first.cert_file, encrypted_key_file, error), nullptr);
  EXPECT_NE(error.find("encrypted.key"), std::string::npos) << error;
}

TEST_F(TlsTest, ContextPolicy) {
  SSL_CTX* ctx = context->native();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
  long mode = SSL_CTX_get_mode(ctx);
  EXPECT_TRUE(mode & SSL_MODE_ENABLE_PARTIAL_WRITE);
  EXPECT_TRUE(mode & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  EXPECT_TRUE(mode & SSL_MODE_RELEASE_BUFFERS);
  EXPECT_EQ(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_SERVER);
}

TEST_F(TlsTest, ReloadSwapsForNewConnectionsOnly) {
  Link before(context->native(), client_ctx);
  ASSERT_TRUE(before.handshake());
  SSL_CTX* old_ctx = context->native();

  std::string error;
  EXPECT_FALSE(context->reload(first.cert_file, second.key_file, error));  // mismatch: nothing changes
  EXPECT_NE(error.find("does not match"), std::string::npos);
  EXPECT_EQ(context->native(), old_ctx);

  ASSERT_TRUE(context->reload(second.cert_file, second.key_file, error)) << error;
  EXPECT_NE(context->native(), old_ctx);

  // The existing connection keeps working on its context.
  before.client_send("still here");
  EXPECT_EQ(before.server_read(10), "still here");

  // A new connection presents the new certificate: a client trusting only the old one fails,
  // one trusting the new one succeeds.
  Link rejected(context->native(), client_ctx);
  EXPECT_FALSE(rejected.handshake());
  SSL_CTX* second_client = make_client_ctx(second.cert);
  {
    Link after(context->native(), second_client);
    EXPECT_TRUE(after.handshake());
  }
  SSL_CTX_free(second_client);
}

// ---- TlsTransport ----

TEST_F(TlsTest, HandshakeThenEchoBothWays) {
  Link link(context->native(), client_ctx, std::string("\x02h2\x08http/1.1", 12));
  ASSERT_TRUE(link.handshake()) << link.server->last_error();
  EXPECT_EQ(link.server->alpn(), "http/1.1");
  EXPECT_EQ(client_alpn(link.client), "http/1.1");
  EXPECT_EQ(link.server->handshake().status, IoStatus::ok);  // idempotent once done

  std::vector<std::byte> buf(64);
  EXPECT_EQ(link.server->read(buf).status, IoStatus::want_read);
  link.client_send("GET /ws HTTP/1.1\r\n\r\n");
  EXPECT_EQ(link.server_read(20), "GET /ws HTTP/1.1\r\n\r\n");

  std::string a = "HTTP/1.1 101 ", b = "Switching Protocols\r\n\r\n";
  iovec parts[] = {{a.data(), a.size()}, {b.data(), b.size()}};
  IoResult r = link.server->writev(parts, 2);
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, a.size() + b.size());
  EXPECT_EQ(link.client_drain(), a + b);
}

TEST_F(TlsTest, AlpnWithoutHttp11ProceedsWithoutAlpn) {
  Link only_h2(context->native(), client_ctx, std::string("\x02h2", 3));
  ASSERT_TRUE(only_h2.handshake()) << only_h2.server->last_error();
  EXPECT_EQ(only_h2.server->alpn(), "");
  EXPECT_EQ(client_alpn(only_h2.client), "");

  Link none(context->native(), client_ctx);
  ASSERT_TRUE(none.handshake());
  EXPECT_EQ(none.server->alpn(), "");
}

TEST_F(TlsTest, Tls11ClientIsRefused) {
  SSL_CTX* old_client = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(old_client, 0);  // let the client actually offer TLS 1.1
  SSL_CTX_set_cipher_list(old_client, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(old_client, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_client, TLS1_1_VERSION);
  {
    Link link(context->native(), old_client);
    EXPECT_FALSE(link.handshake());
    EXPECT_EQ(link.server_handshake.status, IoStatus::error);
    EXPECT_NE(link.server->last_error().find("unsupported protocol"), std::string::npos)
        << link.server->last_error();
  }
  SSL_CTX_free(old_client);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortIsAHandshakeError) {
  Link link(context->native(), client_ctx);
  ASSERT_EQ(::write(link.client_fd, "GET / HTTP/1.1\r\n\r\n", 18), 18);
  IoResult r = link.server->handshake();
  EXPECT_EQ(r.status, IoStatus::error);
  EXPECT_NE(link.server->last_error().find("http request"), std::string::npos) << link.server->last_error();
}

TEST_F(TlsTest, SmallReadsLeaveBufferedInput) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  link.client_send(std::string(1000, 'q'));
  std::vector<std::byte> small(10);
  IoResult r = link.server->read(small);
  ASSERT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, 10u);
  EXPECT_TRUE(link.server->has_buffered_input());
  EXPECT_EQ(link.server_read(990).size(), 990u);
  EXPECT_FALSE(link.server->has_buffered_input());
}

// Many small parts (WebSocket headers and short payloads) and a 1 MiB payload, through a socket
// the peer does not read at first: the server must report want_write, then resume from the
// first unreported byte until the client has received every byte in order.
TEST_F(TlsTest, WritevManyPartsAndOneMiBWithBackpressure) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());

  std::vector<std::string> chunks;
  for (int i = 0; i < 300; ++i) chunks.push_back(std::string(1 + i % 37, static_cast<char>('a' + i % 26)));
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + (i >> 10));
  chunks.push_back(big);
  for (int i = 0; i < 300; ++i) chunks.push_back(std::string(2 + i % 11, static_cast<char>('A' + i % 26)));
  std::string expected;
  for (const auto& c : chunks) expected += c;

  // The caller's output queue: (chunk index, offset of the first unsent byte).
  size_t index = 0, offset = 0;
  auto pending_parts = [&] {
    std::vector<iovec> parts;
    for (size_t i = index; i < chunks.size(); ++i) {
      size_t from = i == index ? offset : 0;
      parts.push_back({chunks[i].data() + from, chunks[i].size() - from});
    }
    return parts;
  };
  auto consume = [&](size_t n) {
    while (n > 0) {
      size_t step = std::min(n, chunks[index].size() - offset);
      offset += step;
      n -= step;
      if (offset == chunks[index].size()) ++index, offset = 0;
    }
  };

  std::string received;
  bool saw_want_write = false, client_reads = false;
  for (int rounds = 0; index < chunks.size() && rounds < 100000; ++rounds) {
    auto parts = pending_parts();
    IoResult r = link.server->writev(parts.data(), static_cast<int>(parts.size()));
    ASSERT_NE(r.status, IoStatus::error) << link.server->last_error();
    if (r.status == IoStatus::ok) {
      consume(r.bytes);
    } else {
      ASSERT_EQ(r.status, IoStatus::want_write);
      saw_want_write = client_reads = true;
    }
    if (client_reads) received += link.client_drain();
  }
  ASSERT_EQ(index, chunks.size());
  EXPECT_TRUE(saw_want_write);
  for (int i = 0; i < 100 && received.size() < expected.size(); ++i) received += link.client_drain();
  EXPECT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected);
}

// The caller's queue may be compacted or grown between a want_write and the retry: the retry
// then comes from another address with more bytes, which ACCEPT_MOVING_WRITE_BUFFER permits.
TEST_F(TlsTest, RetryFromAMovedAndGrownBuffer) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  std::string expected(3 << 20, '\0');
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(i % 251);
  std::string queue = expected.substr(0, 1 << 20);  // the rest is appended later
  size_t appended = queue.size();
  std::string received;
  bool saw_want_write = false;
  while (!queue.empty() || received.size() < expected.size()) {
    if (!queue.empty()) {
      iovec part{queue.data(), queue.size()};
      IoResult r = link.server->writev(&part, 1);
      ASSERT_NE(r.status, IoStatus::error) << link.server->last_error();
      if (r.status == IoStatus::ok) {
        queue = queue.substr(r.bytes);  // compact: a new buffer, unsent bytes first
      } else {
        saw_want_write = true;
        queue = std::string(queue);  // move the same bytes elsewhere before the retry
      }
      if (appended < expected.size()) {
        size_t more = std::min<size_t>(100'000, expected.size() - appended);
        queue += expected.substr(appended, more);
        appended += more;
      }
    }
    if (saw_want_write) received += link.client_drain();
  }
  EXPECT_TRUE(saw_want_write);
  EXPECT_TRUE(received == expected);
}

// 1000 ten-byte parts must not become 1000 records: coalesced they are one record, plus 22 to
// 29 bytes of record overhead (5 header, 16 tag, 1 content type in TLS 1.3).
TEST_F(TlsTest, SmallPartsAreCoalescedIntoFullRecords) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  link.client_drain();  // TLS 1.3 session tickets
  std::string part(10, 'w');
  std::vector<iovec> parts(1000, iovec{part.data(), part.size()});
  IoResult r = link.server->writev(parts.data(), static_cast<int>(parts.size()));
  ASSERT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, 10000u);
  int on_the_wire = 0;
  ASSERT_EQ(::ioctl(link.client_fd, FIONREAD, &on_the_wire), 0);
  EXPECT_LE(on_the_wire, 10000 + 64);
  EXPECT_EQ(link.client_drain(), std::string(10000, 'w'));
}

TEST_F(TlsTest, CloseNotifyReadsAsClosed) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  link.client_send("last words");
  SSL_shutdown(link.client);
  IoStatus last;
  EXPECT_EQ(link.server_read(11, &last), "last words");
  EXPECT_EQ(last, IoStatus::closed);
  EXPECT_EQ(link.server->last_error(), "close_notify");
}

TEST_F(TlsTest, EofWithoutCloseNotifyReadsAsClosed) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  link.client_drain();  // unread data at close() would make the kernel report a reset instead
  ::close(link.client_fd);
  link.client_fd = -1;
  IoStatus last;
  link.server_read(1, &last);
  EXPECT_EQ(last, IoStatus::closed);
  EXPECT_EQ(link.server->last_error(), "EOF without close_notify");
}

TEST_F(TlsTest, ShutdownWriteSendsCloseNotifyThenFin) {
  Link link(context->native(), client_ctx);
  ASSERT_TRUE(link.handshake());
  link.server->shutdown_write();
  link.server->shutdown_write();  // once only
  char buf[16];
  size_t n = 0;
  EXPECT_EQ(SSL_read_ex(link.client, buf, sizeof buf, &n), 0);
  EXPECT_EQ(SSL_get_error(link.client, 0), SSL_ERROR_ZERO_RETURN);
}

// With SIGPIPE at its default action, OpenSSL's own socket BIO (write()) would kill the binary.
TEST_F(TlsTest, WriteToAClosedPeerIsAnErrorNotASignal) {
  struct sigaction old_action {
  }, default_action{};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, &old_action);
  {
    Link link(context->native(), client_ctx);
    ASSERT_TRUE(link.handshake());
    ::close(link.client_fd);
    link.client_fd = -1;
    std::string data(100000, 'x');
    iovec part{data.data(), data.size()};
    IoResult r = link.server->writev(&part, 1);
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_NE(link.server->last_error().find("Broken pipe"), std::string::npos) << link.server->last_error();
  }
  ::sigaction(SIGPIPE, &old_action, nullptr);
}

}  // namespace
}  // namespace wshub::net
