#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "TestSigner.h"
#include "auth/JwtAuthenticator.h"
#include "hub/ErrorCode.h"

namespace wshub::auth {
namespace {

using hub::ErrorCode;
using test::keys;
using test::kSecret;

constexpr int64_t kNow = 1'700'000'000;

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  JwtAuthenticatorTest() {
    options_.hmac_secret = kSecret;
    options_.public_key_files = {dir_.write("rsa.pem", keys().rsa.public_pem()),
                                 "ec-1=" + dir_.write("ec.pem", keys().p256.public_pem())};
    options_.jwks_file = dir_.write("jwks.json", R"({"keys":[)" + keys().ed25519.jwk("ed-1") + "]}");
    auth_ = JwtAuthenticator::create(options_);
  }

  test::TempDir dir_;
  AuthOptions options_;
  std::unique_ptr<JwtAuthenticator> auth_;
};

void expect_error(const hub::Error& error, ErrorCode code, std::string_view message) {
  EXPECT_EQ(error.code, hub::code(code));
  EXPECT_EQ(error.message, message);
}

TEST_F(JwtAuthenticatorTest, ExtractsCredentials) {
  const std::string token = keys().p256.token(
      "ES256",
      R"({"sub":"ann","exp":1700000060,"info":{"name": "Ann", "n": [1, 2]},"channels":["news","chat:*"]})",
      "ec-1");
  hub::Result<hub::Credentials> r = auth_->authenticate_at(token, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user, "ann");
  EXPECT_EQ(r->info, R"({"name":"Ann","n":[1,2]})");
  EXPECT_EQ(r->channels, (std::vector<std::string>{"news", "chat:*"}));
  ASSERT_TRUE(r->expires_at.has_value());
  EXPECT_EQ(r->expires_at->time_since_epoch(), std::chrono::seconds(kNow + 60));
  EXPECT_TRUE(hub::channel_allowed(r->channels, "chat:lobby"));
}

TEST_F(JwtAuthenticatorTest, MinimalCredentials) {
  hub::Result<hub::Credentials> r =
      auth_->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"bob","exp":1700000060})"), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user, "bob");
  EXPECT_EQ(r->info, "");
  EXPECT_TRUE(r->channels.empty());
}

TEST_F(JwtAuthenticatorTest, FarFutureExpiryIsClamped) {
  hub::Result<hub::Credentials> r =
      auth_->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"bob","exp":99999999999})"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->expires_at->time_since_epoch(), std::chrono::seconds(kLatestExpiry));
}

TEST_F(JwtAuthenticatorTest, ErrorCodes) {
  expect_error(
      auth_->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"bob","exp":1699999999})"), kNow)
          .error(),
      ErrorCode::token_expired, "token expired");
  expect_error(
      auth_
          ->authenticate_at(test::hs_token("HS256", kSecret + "!", R"({"sub":"bob","exp":1700000060})"), kNow)
          .error(),
      ErrorCode::unauthorized, "bad token signature");
  expect_error(auth_->authenticate_at("", kNow).error(), ErrorCode::unauthorized, "malformed token");
  expect_error(auth_->authenticate_at(std::string(1 << 20, 'x'), kNow).error(), ErrorCode::unauthorized,
               "token too large");
  expect_error(
      auth_->authenticate_at(test::hs_token("HS256", kSecret, R"({"exp":1700000060})"), kNow).error(),
      ErrorCode::unauthorized, "token has no sub");
  expect_error(
      auth_->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"","exp":1700000060})"), kNow)
          .error(),
      ErrorCode::unauthorized, "token has no sub");
  expect_error(
      auth_->authenticate_at(keys().ed25519.token("EdDSA", R"({"sub":"a","exp":1700000060})", "ed-2"), kNow)
          .error(),
      ErrorCode::unauthorized, "unknown token kid");
}

TEST_F(JwtAuthenticatorTest, SubscriptionTokenIsNotAConnectionToken) {
  const std::string token =
      test::hs_token("HS256", kSecret, R"({"sub":"bob","exp":1700000060,"channel":"news"})");
  expect_error(auth_->authenticate_at(token, kNow).error(), ErrorCode::unauthorized,
               "subscription token used as a connection token");
  EXPECT_TRUE(auth_->verify_subscription_at(token, "bob", "news", kNow).ok());
}

TEST_F(JwtAuthenticatorTest, SubscriptionTokens) {
  const auto sub_token = [](std::string_view claims) { return keys().rsa.token("RS256", claims); };
  EXPECT_TRUE(auth_
                  ->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news","exp":1700000060})"),
                                           "bob", "news", kNow)
                  .ok());
  EXPECT_TRUE(
      auth_->verify_subscription_at(sub_token(R"({"channel":"news","exp":1700000060})"), "", "news", kNow)
          .ok())
      << "no sub: anonymous";
  EXPECT_TRUE(auth_
                  ->verify_subscription_at(sub_token(R"({"sub":"","channel":"news","exp":1700000060})"), "",
                                           "news", kNow)
                  .ok());
  expect_error(auth_
                   ->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news","exp":1700000060})"),
                                            "eve", "news", kNow)
                   .error(),
               ErrorCode::permission_denied, "subscription token for another user");
  expect_error(auth_
                   ->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news","exp":1700000060})"),
                                            "", "news", kNow)
                   .error(),
               ErrorCode::permission_denied, "subscription token for another user");
  expect_error(auth_
                   ->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news","exp":1700000060})"),
                                            "bob", "news2", kNow)
                   .error(),
               ErrorCode::permission_denied, "subscription token for another channel");
  expect_error(
      auth_
          ->verify_subscription_at(sub_token(R"({"sub":"bob","channels":["news"],"exp":1700000060})"), "bob",
                                   "news", kNow)
          .error(),
      ErrorCode::permission_denied, "subscription token for another channel");
  expect_error(auth_
                   ->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news","exp":1700000000})"),
                                            "bob", "news", kNow)
                   .error(),
               ErrorCode::token_expired, "token expired");
  expect_error(
      auth_->verify_subscription_at(sub_token(R"({"sub":"bob","channel":"news"})"), "bob", "news", kNow)
          .error(),
      ErrorCode::permission_denied, "token has no exp");
  expect_error(auth_
                   ->verify_subscription_at(
                       keys().rsa_other.token("RS256", R"({"sub":"bob","channel":"news","exp":1700000060})"),
                       "bob", "news", kNow)
                   .error(),
               ErrorCode::permission_denied, "bad token signature");
}

TEST_F(JwtAuthenticatorTest, UsesTheRealClock) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string fresh = R"({"sub":"a","exp":)" + std::to_string(now + 120) + "}";
  const std::string stale = R"({"sub":"a","exp":)" + std::to_string(now - 120) + "}";
  EXPECT_TRUE(auth_->authenticate(test::hs_token("HS256", kSecret, fresh)).ok());
  EXPECT_EQ(auth_->authenticate(test::hs_token("HS256", kSecret, stale)).error().code,
            hub::code(ErrorCode::token_expired));
  const std::string sub = R"({"sub":"a","channel":"c","exp":)" + std::to_string(now + 120) + "}";
  EXPECT_TRUE(auth_->verify_subscription(test::hs_token("HS256", kSecret, sub), "a", "c").ok());
}

TEST_F(JwtAuthenticatorTest, AudienceIssuerLeewayAndOptionalExp) {
  AuthOptions o;
  o.hmac_secret = kSecret;
  o.audience = "wshub";
  o.issuer = "id";
  o.require_exp = false;
  o.leeway = std::chrono::seconds(60);
  auto auth = JwtAuthenticator::create(o);
  EXPECT_TRUE(
      auth->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"a","aud":"wshub","iss":"id"})"), kNow)
          .ok());
  EXPECT_TRUE(
      auth->authenticate_at(
              test::hs_token("HS256", kSecret, R"({"sub":"a","aud":"wshub","iss":"id","exp":1699999950})"),
              kNow)
          .ok())
      << "within the leeway";
  expect_error(
      auth->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"a","aud":"x","iss":"id"})"), kNow)
          .error(),
      ErrorCode::unauthorized, "token audience mismatch");
  expect_error(
      auth->authenticate_at(test::hs_token("HS256", kSecret, R"({"sub":"a","aud":"wshub"})"), kNow).error(),
      ErrorCode::unauthorized, "token issuer mismatch");
}

TEST(JwtAuthenticatorCreate, RefusesBadConfigurationNamingTheCulprit) {
  test::TempDir dir;
  const auto message_of = [](const AuthOptions& o) -> std::string {
    try {
      JwtAuthenticator::create(o);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no exception";
  };
  AuthOptions none;
  EXPECT_NE(message_of(none).find("no key configured"), std::string::npos);
  AuthOptions short_secret;
  short_secret.hmac_secret = "secret";
  EXPECT_NE(message_of(short_secret).find("hmac_secret"), std::string::npos);
  AuthOptions missing;
  missing.public_key_files = {"/nonexistent/key.pem"};
  EXPECT_NE(message_of(missing).find("/nonexistent/key.pem: cannot open"), std::string::npos);
  AuthOptions private_key;
  private_key.public_key_files = {dir.write("private.pem", keys().p256.private_pem())};
  EXPECT_NE(message_of(private_key).find("private.pem: is a private key"), std::string::npos);
  AuthOptions bad_jwks;
  bad_jwks.jwks_file = dir.write("bad.json", R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})");
  EXPECT_NE(message_of(bad_jwks).find("bad.json: key 0"), std::string::npos) << message_of(bad_jwks);
  AuthOptions leeway;
  leeway.hmac_secret = kSecret;
  leeway.leeway = std::chrono::seconds(3600);
  EXPECT_NE(message_of(leeway).find("leeway"), std::string::npos);
}

TEST_F(JwtAuthenticatorTest, ConcurrentVerificationsFromManyThreads) {
  // Tokens of several algorithms, good and bad, verified at once from several threads:
  // each thread has its own parser; keys are shared read-only.
  struct Case {
    std::string token;
    bool ok;
    std::string user;
  };
  std::vector<Case> cases;
  for (int i = 0; i < 8; ++i) {
    const std::string user = "user-" + std::to_string(i);
    const std::string claims =
        R"({"sub":")" + user + R"(","exp":1700000060,"channels":["c)" + std::to_string(i) + R"("]})";
    cases.push_back({test::hs_token("HS256", kSecret, claims), true, user});
    cases.push_back({keys().p256.token("ES256", claims, "ec-1"), true, user});
    cases.push_back({keys().ed25519.token("EdDSA", claims, "ed-1"), true, user});
    cases.push_back({keys().rsa.token("RS256", claims), true, user});
    cases.push_back({keys().p256_other.token("ES256", claims), false, ""});
    cases.push_back({test::hs_token("HS256", kSecret + "?", claims), false, ""});
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < cases.size(); ++i) {
          const Case& c = cases[(i + t * 7 + round) % cases.size()];
          hub::Result<hub::Credentials> r = auth_->authenticate_at(c.token, kNow);
          if (r.ok() != c.ok || (c.ok && (r->user != c.user || r->channels.size() != 1))) ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace wshub::auth
