// What one verification costs: heap allocations (C++ and OpenSSL's, counted by replacing
// operator new and OpenSSL's allocator in this test binary) and, in a disabled test,
// verifications per second on one core beside the bare OpenSSL primitive as a peer:
//   ./build/tests/unit_auth --gtest_also_run_disabled_tests --gtest_filter='VerifyCost.DISABLED_*'
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>

#include "TestSigner.h"
#include "auth/JwtAuthenticator.h"
#include "auth/PemPublicKey.h"

namespace {

std::atomic<size_t> g_new_calls{0};
std::atomic<size_t> g_openssl_calls{0};

void* counting_malloc(size_t n, const char*, int) {
  g_openssl_calls.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, size_t n, const char*, int) {
  g_openssl_calls.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) {
  std::free(p);
}

// Before main(), so before OpenSSL's first allocation (after it, OpenSSL refuses).
const bool g_openssl_counted = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) == 1;

}  // namespace

// ThreadSanitizer's runtime defines operator new itself (not weakly): there the C++ count
// is not taken and only OpenSSL's is checked.
#if defined(__SANITIZE_THREAD__)
#define WSHUB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WSHUB_TSAN 1
#endif
#endif

#ifndef WSHUB_TSAN
constexpr bool kNewCounted = true;

// Every replaceable form but the aligned ones, so that no block is allocated by one
// allocator and freed by another (simdjson uses the nothrow form).
void* operator new(size_t n) {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  return operator new(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#else
constexpr bool kNewCounted = false;
#endif

namespace wshub::auth {
namespace {

using test::keys;
using test::kSecret;

constexpr int64_t kNow = 1'700'000'000;
const std::string kClaims = R"({"sub":"user-42","exp":1700000060,"iat":1699999990})";

std::unique_ptr<JwtAuthenticator> authenticator() {
  KeySet set;
  set.add_hmac_secret(kSecret);
  set.add(read_pem_public_key(keys().rsa.public_pem(), "", "rsa.pem"));
  set.add(read_pem_public_key(keys().p256.public_pem(), "", "p256.pem"));
  set.add(read_pem_public_key(keys().ed25519.public_pem(), "", "ed.pem"));
  return std::make_unique<JwtAuthenticator>(JwtVerifier(std::move(set), {}));
}

struct Allocations {
  size_t cpp = 0, openssl = 0;
};

Allocations allocations_per_verification(const JwtAuthenticator& auth, const std::string& token) {
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(auth.authenticate_at(token, kNow).ok());  // warm the thread's parser
  constexpr int kRounds = 50;
  const size_t cpp = g_new_calls.load(), openssl = g_openssl_calls.load();
  for (int i = 0; i < kRounds; ++i) EXPECT_TRUE(auth.authenticate_at(token, kNow).ok());
  return {(g_new_calls.load() - cpp) / kRounds, (g_openssl_calls.load() - openssl) / kRounds};
}

TEST(VerifyCost, Hs256AllocatesOnlyTheCredentials) {
  auto auth = authenticator();
  const Allocations a = allocations_per_verification(*auth, test::hs_token("HS256", kSecret, kClaims));
  // The parser and claims are per thread and warm; "user-42" fits the small-string buffer.
  if (kNewCounted) {
    EXPECT_EQ(a.cpp, 0u);
  }
  if (!g_openssl_counted) GTEST_SKIP() << "OpenSSL allocated before main(); its allocations are not counted";
  // Was 12 with a fresh EVP_MAC_CTX per call; a keyed per-thread context restarts with two
  // (OpenSSL duplicates the inner and outer digest states).
  EXPECT_LE(a.openssl, 2u) << "OpenSSL allocations per HS256 verification";
}

TEST(VerifyCost, PublicKeyVerificationsAllocateInOpenSslOnly) {
  auto auth = authenticator();
  for (const auto& [alg, token] : {std::pair{"RS256", keys().rsa.token("RS256", kClaims)},
                                   std::pair{"ES256", keys().p256.token("ES256", kClaims)},
                                   std::pair{"EdDSA", keys().ed25519.token("EdDSA", kClaims)}}) {
    const Allocations a = allocations_per_verification(*auth, token);
    if (kNewCounted) {
      EXPECT_EQ(a.cpp, 0u) << alg;
    }
    std::printf("%s: %zu OpenSSL allocations per verification\n", alg, a.openssl);
  }
}

// This thread's CPU time in seconds: per-core rates that hold on a shared, busy machine,
// where wall time would count the time other processes had the core.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Calls per CPU-second of `verify`, run for about `seconds` of CPU.
template <typename F>
double rate(F&& verify, double seconds = 1.0) {
  size_t n = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 64; ++i) verify();
    n += 64;
    elapsed = thread_cpu_seconds() - start;
  }
  return static_cast<double>(n) / elapsed;
}

TEST(VerifyCost, DISABLED_VerificationsPerSecond) {
  auto auth = authenticator();
  const std::pair<const char*, std::string> tokens[] = {{"HS256", test::hs_token("HS256", kSecret, kClaims)},
                                                        {"RS256", keys().rsa.token("RS256", kClaims)},
                                                        {"ES256", keys().p256.token("ES256", kClaims)},
                                                        {"EdDSA", keys().ed25519.token("EdDSA", kClaims)}};
  std::printf("%-6s %14s %14s   per CPU-second (token %zu bytes)\n", "alg", "wshub", "bare OpenSSL",
              tokens[0].second.size());
  for (const auto& entry : tokens) {
    const char* alg = entry.first;
    const std::string& token = entry.second;
    const double ours = rate([&] {
      if (!auth->authenticate_at(token, kNow).ok()) std::abort();
    });
    // The peer: the bare primitive over the same bytes, signature already decoded.
    const std::string input = token.substr(0, token.rfind('.'));
    // OpenSSL wants ECDSA signatures in DER: made once, outside the loop.
    const std::string signature = std::string_view(alg) == "ES256"
                                      ? keys().p256.sign("ES256", input, true)
                                      : test::b64url_decode(token.substr(token.rfind('.') + 1));
    const EVP_PKEY* pkey = std::string_view(alg) == "RS256"   ? keys().rsa.get()
                           : std::string_view(alg) == "ES256" ? keys().p256.get()
                                                              : keys().ed25519.get();
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    const double bare = rate([&] {
      if (std::string_view(alg) == "HS256") {
        unsigned char mac[32];
        size_t size = 0;
        EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, kSecret.data(), kSecret.size(), data,
                  input.size(), mac, sizeof(mac), &size);
        return;
      }
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      EVP_DigestVerifyInit_ex(ctx, nullptr, std::string_view(alg) == "EdDSA" ? nullptr : "SHA256", nullptr,
                              nullptr, const_cast<EVP_PKEY*>(pkey), nullptr);
      if (EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                           data, input.size()) != 1) {
        std::abort();
      }
      EVP_MD_CTX_free(ctx);
    });
    std::printf("%-6s %14.0f %14.0f\n", alg, ours, bare);
  }
}

}  // namespace
}  // namespace wshub::auth
