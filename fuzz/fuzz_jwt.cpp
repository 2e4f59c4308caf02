// fuzz-layer: auth
// JWT parsing and verification under arbitrary bytes, and the base64url codec.
//
// Two input forms:
//   - a token ("header.payload.signature", or anything);
//   - JSON mode, when the input starts with '{': "<header JSON>\n<claims JSON>" (no '\n':
//     the whole input is the claims under {"alg":"HS256"}), base64url-encoded into a token.
// Start-up generates an HMAC secret and a P-256 key; the authenticator knows both.
// Checks:
//   - base64url: what decodes re-encodes to the same text; what encodes decodes back;
//   - JwtParser: a parsed token's views are consistent with the input;
//   - the token as given never authenticates (the keys are fresh: a success is a forgery);
//   - the token re-signed with the fuzzer's own key for its header's algorithm (HS* or
//     ES256) reaches the claims checks; on success the credentials obey their contract
//     (non-empty user, info empty or a JSON object, an expiry); failures carry only the
//     documented codes (101/109 for connection tokens, 103/109 for subscription tokens).
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "auth/Base64Url.h"
#include "auth/JwtAuthenticator.h"
#include "auth/JwtParser.h"
#include "hub/ErrorCode.h"

using namespace wshub::auth;
using wshub::hub::ErrorCode;

namespace {

constexpr int64_t kNow = 1'700'000'000;

struct Fixture {
  std::string secret;
  EVP_PKEY* ec = nullptr;
  std::unique_ptr<JwtAuthenticator> auth;

  Fixture() {
    secret.resize(48);
    for (char& c : secret) c = static_cast<char>(std::rand());
    ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    KeySet keys;
    keys.add_hmac_secret(secret);
    keys.add(make_public_key(PkeyPtr(EVP_PKEY_dup(ec)), "ec", "fuzzer"));
    VerifierOptions options;
    options.leeway = std::chrono::seconds(30);
    auth = std::make_unique<JwtAuthenticator>(JwtVerifier(std::move(keys), std::move(options)));
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

std::string b64(std::string_view bytes) {
  return base64url::encode(bytes);
}

// The signature of `input` for `alg` with the fuzzer's keys; empty if it has no such key.
std::string sign(Algorithm alg, std::string_view input) {
  const Fixture& f = fixture();
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (key_type_for(alg) == KeyType::hmac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t size = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name(alg), nullptr, f.secret.data(), f.secret.size(),
                   data, input.size(), mac, sizeof(mac), &size)) {
      abort();
    }
    return std::string(reinterpret_cast<char*>(mac), size);
  }
  if (alg != Algorithm::ES256) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char der[80];
  size_t der_size = sizeof(der);
  if (EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, f.ec, nullptr) != 1 ||
      EVP_DigestSign(ctx, der, &der_size, data, input.size()) != 1) {
    abort();
  }
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

void check_base64url(std::string_view text) {
  std::string bytes, again;
  if (base64url::decode(text, bytes, 1 << 16)) {
    if (base64url::encode(bytes) != text) abort();
  }
  if (!base64url::decode(b64(text), again, 1 << 16) || again != text) abort();
}

bool inside(std::string_view v, std::string_view buffer) {
  return v.data() >= buffer.data() && v.data() + v.size() <= buffer.data() + buffer.size();
}

void check_credentials(const wshub::hub::Credentials& c) {
  if (c.user.empty() || !c.expires_at) abort();
  if (!c.info.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(c.info).get(object) != simdjson::SUCCESS) abort();
  }
}

void check_token(const std::string& token, bool resigned) {
  const Fixture& f = fixture();
  auto connection = f.auth->authenticate_at(token, kNow);
  if (connection.ok()) {
    if (!resigned) abort();  // a forgery
    check_credentials(*connection);
  } else if (connection.error().code != code(ErrorCode::unauthorized) &&
             connection.error().code != code(ErrorCode::token_expired)) {
    abort();
  }
  auto subscription = f.auth->verify_subscription_at(token, "user", "chan", kNow);
  if (subscription.ok()) {
    if (!resigned) abort();
  } else if (subscription.error().code != code(ErrorCode::permission_denied) &&
             subscription.error().code != code(ErrorCode::token_expired)) {
    abort();
  }
  if (connection.ok() && subscription.ok()) abort();  // a channel claim makes it one or the other
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  check_base64url(input);

  std::string token = input;
  if (!input.empty() && input[0] == '{') {
    const size_t newline = input.find('\n');
    const std::string header = newline == std::string::npos ? R"({"alg":"HS256"})" : input.substr(0, newline);
    const std::string claims = newline == std::string::npos ? input : input.substr(newline + 1);
    token = b64(header) + "." + b64(claims) + ".";
    JwtParser parser;
    JwtClaims parsed;
    parser.parse_claims(claims, parsed);
  }

  JwtParser parser;
  JwtToken parsed;
  const JwtError error = parser.parse(token, parsed);
  if (error == JwtError::none) {
    if (!inside(parsed.signing_input, token) || parsed.signing_input.data() != token.data() ||
        token.size() <= parsed.signing_input.size() || token[parsed.signing_input.size()] != '.') {
      abort();
    }
    if (parsed.signature.size() > token.size() || parsed.payload.size() > token.size()) abort();
    JwtClaims claims;
    parser.parse_claims(parsed.payload, claims);
    for (std::string_view v : claims.channels) {
      if (v.size() > token.size()) abort();
    }
  } else if (error != JwtError::too_large && error != JwtError::malformed && error != JwtError::bad_header &&
             error != JwtError::unsupported_algorithm) {
    abort();
  }
  check_token(token, false);

  if (error == JwtError::none) {
    const std::string signing_input(parsed.signing_input);
    const std::string signature = sign(parsed.header.alg, signing_input);
    if (!signature.empty()) check_token(signing_input + "." + b64(signature), true);
  }
  return 0;
}
