#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "TestSigner.h"
#include "auth/JsonWebKeySet.h"
#include "auth/JwtVerifier.h"
#include "auth/PemPublicKey.h"

namespace wshub::auth {
namespace {

using test::b64url;
using test::keys;
using test::kSecret;

constexpr int64_t kNow = 1'700'000'000;

std::string claims(int64_t exp = kNow + 60, std::string_view extra = "") {
  return R"({"sub":"ann","exp":)" + std::to_string(exp) + std::string(extra) + "}";
}

// HMAC secret and one PEM key of each type, no kids.
KeySet pem_keys() {
  KeySet set;
  set.add_hmac_secret(kSecret);
  set.add(read_pem_public_key(keys().rsa.public_pem(), "", "rsa.pem"));
  set.add(read_pem_public_key(keys().p256.public_pem(), "", "p256.pem"));
  set.add(read_pem_public_key(keys().p384.public_pem(), "", "p384.pem"));
  set.add(read_pem_public_key(keys().ed25519.public_pem(), "", "ed25519.pem"));
  return set;
}

// The same keys as a JSON Web Key Set, each with a kid.
KeySet jwks_keys() {
  const std::string jwks = R"({"keys":[{"kty":"oct","kid":"hmac","k":")" + b64url(kSecret) + R"("},)" +
                           keys().rsa.jwk("rsa") + "," + keys().p256.jwk("p256", "ES256") + "," +
                           keys().p384.jwk("p384") + "," + keys().ed25519.jwk("ed") + "]}";
  KeySet set;
  for (VerificationKey& key : read_json_web_key_set(jwks, "jwks.json")) set.add(std::move(key));
  return set;
}

VerifierOptions optional_expiry() {
  VerifierOptions o;
  o.require_exp = false;
  return o;
}

VerifierOptions with_leeway(int seconds) {
  VerifierOptions o;
  o.leeway = std::chrono::seconds(seconds);
  return o;
}

VerifierOptions audience_and_issuer(std::string audience, std::string issuer) {
  VerifierOptions o;
  o.audience = std::move(audience);
  o.issuer = std::move(issuer);
  return o;
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtError verify(const JwtVerifier& verifier, std::string_view token, int64_t now = kNow) {
    return verifier.verify(token, now, parser_, claims_);
  }
  JwtError verify(std::string_view token) { return verify(pem_, token); }

  JwtParser parser_;
  JwtClaims claims_;
  JwtVerifier pem_{pem_keys(), {}};
  JwtVerifier jwks_{jwks_keys(), {}};
};

// The token of `alg` over `claims_json`, signed with the matching test key.
std::string signed_token(std::string_view alg, std::string_view claims_json, std::string_view kid = "") {
  if (alg.starts_with("HS")) return test::hs_token(alg, kSecret, claims_json, kid);
  if (alg.starts_with("RS")) return keys().rsa.token(alg, claims_json, kid);
  if (alg == "ES256") return keys().p256.token(alg, claims_json, kid);
  if (alg == "ES384") return keys().p384.token(alg, claims_json, kid);
  return keys().ed25519.token(alg, claims_json, kid);
}

const char* const kAlgorithms[] = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                   "RS512", "ES256", "ES384", "EdDSA"};

std::string_view kid_in_jwks(std::string_view alg) {
  if (alg.starts_with("HS")) return "hmac";
  if (alg.starts_with("RS")) return "rsa";
  if (alg == "ES256") return "p256";
  if (alg == "ES384") return "p384";
  return "ed";
}

TEST_F(JwtVerifierTest, EveryAlgorithmFromPemKeys) {
  for (const char* alg : kAlgorithms) {
    ASSERT_EQ(verify(signed_token(alg, claims())), JwtError::none) << alg;
    EXPECT_EQ(claims_.sub, "ann");
    EXPECT_EQ(claims_.exp, kNow + 60);
  }
}

TEST_F(JwtVerifierTest, EveryAlgorithmFromJwksWithAndWithoutKid) {
  for (const char* alg : kAlgorithms) {
    EXPECT_EQ(verify(jwks_, signed_token(alg, claims(), kid_in_jwks(alg))), JwtError::none) << alg;
    EXPECT_EQ(verify(jwks_, signed_token(alg, claims())), JwtError::none) << alg << " without kid";
  }
}

TEST_F(JwtVerifierTest, AlgNoneIsRefused) {
  const std::string input = test::signing_input(R"({"alg":"none","typ":"JWT"})", claims());
  EXPECT_EQ(verify(input + "."), JwtError::unsupported_algorithm);
  EXPECT_EQ(verify(input + "." + b64url(test::hmac("HS256", kSecret, input))),
            JwtError::unsupported_algorithm);
  for (const char* none : {"None", "NONE", "nOnE"}) {
    EXPECT_EQ(verify(test::signing_input(test::header_json(none), claims()) + "."),
              JwtError::unsupported_algorithm);
  }
}

TEST_F(JwtVerifierTest, MissingOrEmptySignatureIsRefused) {
  for (const char* alg : kAlgorithms) {
    const std::string token = signed_token(alg, claims());
    EXPECT_EQ(verify(token.substr(0, token.rfind('.') + 1)), JwtError::bad_signature) << alg;
    EXPECT_EQ(verify(token.substr(0, token.rfind('.'))), JwtError::malformed) << alg;
  }
}

TEST_F(JwtVerifierTest, WrongKeyIsRefused) {
  EXPECT_EQ(verify(test::hs_token("HS256", kSecret + "x", claims())), JwtError::bad_signature);
  EXPECT_EQ(verify(keys().rsa_other.token("RS256", claims())), JwtError::bad_signature);
  EXPECT_EQ(verify(keys().p256_other.token("ES256", claims())), JwtError::bad_signature);
  EXPECT_EQ(verify(keys().ed25519_other.token("EdDSA", claims())), JwtError::bad_signature);
  EXPECT_EQ(verify(jwks_, keys().rsa_other.token("RS256", claims(), "rsa")), JwtError::bad_signature);
}

TEST_F(JwtVerifierTest, TamperedTokensAreRefused) {
  for (const char* alg : kAlgorithms) {
    const std::string token = signed_token(alg, claims());
    const std::string other = signed_token(alg, claims(kNow + 3600));
    const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
    // Another token's payload under this token's header and signature.
    const std::string swapped =
        token.substr(0, dot1) + other.substr(dot1, other.rfind('.') - dot1) + token.substr(dot2);
    EXPECT_EQ(verify(swapped), JwtError::bad_signature) << alg;
  }
  // A signature made with one hash, presented under another.
  const std::string input = test::signing_input(test::header_json("RS384"), claims());
  EXPECT_EQ(verify(input + "." + b64url(keys().rsa.sign("RS256", input))), JwtError::bad_signature);
  const std::string hs = test::signing_input(test::header_json("HS256"), claims());
  EXPECT_EQ(verify(hs + "." + b64url(test::hmac("HS512", kSecret, hs).substr(0, 32))),
            JwtError::bad_signature);
}

TEST_F(JwtVerifierTest, HmacWithPublicKeyBytesIsRefused) {
  // The classic confusion attack: an HS256 token whose "secret" is the server's RSA public
  // key (which is public). A verifier that keyed HMAC with whatever key the kid or the
  // configuration offers would accept it.
  for (const std::string& secret :
       {keys().rsa.public_pem(), keys().p256.public_pem(), keys().rsa.jwk(), keys().ed25519.public_pem()}) {
    const std::string forged = test::hs_token("HS256", secret, claims());
    EXPECT_EQ(verify(forged), JwtError::bad_signature) << "checked only against the HMAC secret";
    KeySet rsa_only;
    rsa_only.add(read_pem_public_key(keys().rsa.public_pem(), "", "rsa.pem"));
    rsa_only.add(read_pem_public_key(keys().p256.public_pem(), "", "p256.pem"));
    rsa_only.add(read_pem_public_key(keys().ed25519.public_pem(), "", "ed.pem"));
    JwtVerifier public_only(std::move(rsa_only), {});
    EXPECT_EQ(verify(public_only, forged), JwtError::no_key_for_algorithm);
    EXPECT_EQ(verify(jwks_, test::hs_token("HS256", secret, claims(), "rsa")), JwtError::no_key_for_algorithm)
        << "a kid naming the RSA key does not make it an HMAC key";
  }
}

TEST_F(JwtVerifierTest, KeysOfAnotherTypeOrCurveAreNeverUsed) {
  KeySet p384_only;
  p384_only.add(read_pem_public_key(keys().p384.public_pem(), "", "p384.pem"));
  JwtVerifier verifier(std::move(p384_only), {});
  EXPECT_EQ(verify(verifier, keys().p256.token("ES256", claims())), JwtError::no_key_for_algorithm);
  // A P-384 key cannot be used with ES256 even if the signature is made that way.
  const std::string input = test::signing_input(test::header_json("ES256"), claims());
  EXPECT_EQ(verify(verifier, input + "." + b64url(keys().p384.sign("ES384", input))),
            JwtError::no_key_for_algorithm);
  EXPECT_EQ(verify(verifier, test::hs_token("HS256", kSecret, claims())), JwtError::no_key_for_algorithm);
  // A JWKS key with "alg" ES256 is not used for anything else (here: nothing else fits).
  EXPECT_EQ(verify(jwks_, keys().p256.token("ES256", claims(), "p256")), JwtError::none);
}

TEST_F(JwtVerifierTest, UnknownKidIsRefused) {
  EXPECT_EQ(verify(jwks_, keys().rsa.token("RS256", claims(), "rsa-2023")), JwtError::unknown_kid);
  EXPECT_EQ(verify(jwks_, test::hs_token("HS256", kSecret, claims(), "nope")), JwtError::unknown_kid);
  // Keys configured without a kid take any kid.
  EXPECT_EQ(verify(keys().rsa.token("RS256", claims(), "rsa-2023")), JwtError::none);
}

TEST_F(JwtVerifierTest, EcdsaSignatureMustBeRawRAndS) {
  for (const auto& [alg, key] : {std::pair{"ES256", &keys().p256}, std::pair{"ES384", &keys().p384}}) {
    const std::string input = test::signing_input(test::header_json(alg), claims());
    const std::string der = key->sign(alg, input, true);
    EXPECT_EQ(verify(input + "." + b64url(der)), JwtError::bad_signature) << alg << " DER";
    const std::string raw = key->sign(alg, input);
    ASSERT_EQ(verify(input + "." + b64url(raw)), JwtError::none) << alg;
    EXPECT_EQ(verify(input + "." + b64url(raw.substr(1))), JwtError::bad_signature) << alg << " short";
    EXPECT_EQ(verify(input + "." + b64url(raw + '\0')), JwtError::bad_signature) << alg << " long";
    EXPECT_EQ(verify(input + "." + b64url(std::string(raw.size(), '\0'))), JwtError::bad_signature)
        << alg << " zero";
    EXPECT_EQ(verify(input + "." + b64url(std::string(raw.size(), '\xff'))), JwtError::bad_signature) << alg;
    // R and S swapped.
    const std::string swapped = raw.substr(raw.size() / 2) + raw.substr(0, raw.size() / 2);
    EXPECT_EQ(verify(input + "." + b64url(swapped)), JwtError::bad_signature) << alg << " swapped";
  }
}

TEST_F(JwtVerifierTest, SignaturesOfTheWrongLengthAreRefused) {
  for (const char* alg : kAlgorithms) {
    const std::string token = signed_token(alg, claims());
    const size_t dot = token.rfind('.');
    const std::string signature = test::b64url_decode(token.substr(dot + 1));
    const std::string input = token.substr(0, dot);
    EXPECT_EQ(verify(input + "." + b64url(signature.substr(0, signature.size() - 1))),
              JwtError::bad_signature)
        << alg;
    EXPECT_EQ(verify(input + "." + b64url(signature + "x")), JwtError::bad_signature) << alg;
    EXPECT_EQ(verify(input + "." + b64url(signature + signature)), JwtError::bad_signature) << alg;
  }
}

TEST_F(JwtVerifierTest, MalformedBase64InEachPartOfASignedToken) {
  const std::string token = signed_token("HS256", claims());
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  for (size_t at : {size_t{0}, dot1 + 1, dot2 + 1, token.size() - 1}) {
    for (char junk : {'=', '+', '/', ' ', '\0', '*'}) {
      std::string bad = token;
      bad[at] = junk;
      EXPECT_EQ(verify(bad), JwtError::malformed) << "at " << at << " " << junk;
    }
  }
  // Signed over a malformed payload part: refused before the signature is even checked.
  const std::string input = b64url(test::header_json("HS256")) + "." + b64url(claims()) + "=";
  EXPECT_EQ(verify(input + "." + b64url(test::hmac("HS256", kSecret, input))), JwtError::malformed);
}

TEST_F(JwtVerifierTest, MalformedJsonIsRefusedEvenWhenSigned) {
  EXPECT_EQ(verify(test::hs_token("HS256", kSecret, R"({"sub":"ann","exp":)")), JwtError::bad_claims);
  EXPECT_EQ(verify(test::hs_token("HS256", kSecret, R"({"sub":"ann","sub":"root","exp":1800000000})")),
            JwtError::bad_claims);
  EXPECT_EQ(verify(test::hs_token("HS256", kSecret, R"(["sub","ann"])")), JwtError::bad_claims);
  const std::string input = test::signing_input(R"({"alg":"HS256",)", claims());
  EXPECT_EQ(verify(input + "." + b64url(test::hmac("HS256", kSecret, input))), JwtError::bad_header);
  const std::string crit = test::signing_input(R"({"alg":"HS256","crit":["b64"],"b64":false})", claims());
  EXPECT_EQ(verify(crit + "." + b64url(test::hmac("HS256", kSecret, crit))), JwtError::bad_header);
}

TEST_F(JwtVerifierTest, HugeTokenIsRefusedWithoutWork) {
  std::string huge = signed_token("HS256", claims());
  huge.append(1 << 20, 'A');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(verify(huge), JwtError::too_large);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // 1000 refusals of 1 MiB: a length check each. Scanning or decoding would take seconds.
  EXPECT_LT(elapsed, std::chrono::milliseconds(100));
}

TEST_F(JwtVerifierTest, Expiry) {
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 1))), JwtError::none);
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow))), JwtError::expired)
      << "exp is the first invalid second";
  EXPECT_EQ(verify(signed_token("RS256", claims(kNow - 1))), JwtError::expired);
  EXPECT_EQ(verify(signed_token("HS256", R"({"sub":"ann"})")), JwtError::missing_expiry);
  EXPECT_EQ(verify(signed_token("HS256", R"({"sub":"ann","exp":1699999999.5})")), JwtError::expired);
  EXPECT_EQ(verify(signed_token("HS256", R"({"sub":"ann","exp":1700000000.5})")), JwtError::expired)
      << "fractions are dropped";
  JwtVerifier optional_exp(pem_keys(), optional_expiry());
  EXPECT_EQ(verify(optional_exp, signed_token("HS256", R"({"sub":"ann"})")), JwtError::none);
  EXPECT_EQ(verify(optional_exp, signed_token("HS256", claims(kNow - 1))), JwtError::expired);
}

TEST_F(JwtVerifierTest, NotBeforeAndIssuedAt) {
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 60, R"(,"nbf":1700000001)"))),
            JwtError::not_yet_valid);
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 60, R"(,"nbf":1700000000)"))), JwtError::none);
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 60, R"(,"iat":1700000010)"))),
            JwtError::issued_in_future);
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 60, R"(,"iat":1700000000)"))), JwtError::none);
  EXPECT_EQ(verify(signed_token("HS256", claims(kNow + 60, R"(,"iat":1600000000,"nbf":1600000000)"))),
            JwtError::none);
}

TEST_F(JwtVerifierTest, Leeway) {
  JwtVerifier lenient(pem_keys(), with_leeway(30));
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow - 29))), JwtError::none);
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow - 30))), JwtError::expired);
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow + 60, R"(,"nbf":1700000030)"))),
            JwtError::none);
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow + 60, R"(,"nbf":1700000031)"))),
            JwtError::not_yet_valid);
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow + 60, R"(,"iat":1700000030)"))),
            JwtError::none);
  EXPECT_EQ(verify(lenient, signed_token("HS256", claims(kNow + 60, R"(,"iat":1700000031)"))),
            JwtError::issued_in_future);
  EXPECT_THROW(JwtVerifier(pem_keys(), with_leeway(-1)), std::runtime_error);
  EXPECT_THROW(JwtVerifier(pem_keys(), with_leeway(301)), std::runtime_error);
  EXPECT_NO_THROW(JwtVerifier(pem_keys(), with_leeway(300)));
  EXPECT_THROW(JwtVerifier(KeySet(), {}), std::runtime_error);
}

TEST_F(JwtVerifierTest, AudienceAndIssuer) {
  JwtVerifier strict(pem_keys(), audience_and_issuer("wshub", "https://id.example"));
  const std::string iss = R"(,"iss":"https://id.example")";
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss + R"(,"aud":"wshub")"))),
            JwtError::none);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss + R"(,"aud":["api","wshub"])"))),
            JwtError::none);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss + R"(,"aud":"api")"))),
            JwtError::wrong_audience);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss + R"(,"aud":["api","WSHUB"])"))),
            JwtError::wrong_audience);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss + R"(,"aud":[])"))),
            JwtError::wrong_audience);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, iss))), JwtError::wrong_audience);
  EXPECT_EQ(
      verify(strict, signed_token("ES256", claims(kNow + 60, R"(,"aud":"wshub","iss":"https://evil")"))),
      JwtError::wrong_issuer);
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow + 60, R"(,"aud":"wshub")"))),
            JwtError::wrong_issuer);
  // Without configuration, aud and iss are only type-checked.
  EXPECT_EQ(verify(signed_token("ES256", claims(kNow + 60, R"(,"aud":"api","iss":"x")"))), JwtError::none);
  EXPECT_EQ(verify(signed_token("ES256", claims(kNow + 60, R"(,"aud":5)"))), JwtError::bad_claims);
  // An expired token for another audience is reported for the audience: refreshing won't help.
  EXPECT_EQ(verify(strict, signed_token("ES256", claims(kNow - 60, iss + R"(,"aud":"api")"))),
            JwtError::wrong_audience);
}

}  // namespace
}  // namespace wshub::auth
