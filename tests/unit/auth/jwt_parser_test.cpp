#include <gtest/gtest.h>

#include <string>

#include "TestSigner.h"
#include "auth/JwtParser.h"

namespace wshub::auth {
namespace {

using test::b64url;

// A token from raw header and claims JSON and any signature bytes.
std::string token(std::string_view header, std::string_view claims, std::string_view signature = "sig") {
  return b64url(header) + "." + b64url(claims) + "." + b64url(signature);
}

JwtError parse(std::string_view text) {
  JwtParser parser;
  JwtToken out;
  return parser.parse(text, out);
}

JwtError parse_header(std::string_view header) {
  return parse(token(header, "{}"));
}

TEST(JwtParser, SplitsAndDecodes) {
  JwtParser parser;
  JwtToken out;
  const std::string t =
      token(R"({"alg":"ES256","kid":"k-1","typ":"JWT"})", R"({"sub":"ann"})", "\x01\x02\xff");
  ASSERT_EQ(parser.parse(t, out), JwtError::none);
  EXPECT_EQ(out.header.alg, Algorithm::ES256);
  EXPECT_EQ(out.header.kid, "k-1");
  EXPECT_EQ(out.header.typ, "JWT");
  EXPECT_EQ(out.signing_input, t.substr(0, t.rfind('.')));
  EXPECT_EQ(out.payload, R"({"sub":"ann"})");
  EXPECT_EQ(std::string(out.signature.begin(), out.signature.end()), "\x01\x02\xff");
}

TEST(JwtParser, KidAndTypAreOptionalAndUnescaped) {
  JwtParser parser;
  JwtToken out;
  ASSERT_EQ(parser.parse(token(R"({"alg":"HS256"})", "{}"), out), JwtError::none);
  EXPECT_EQ(out.header.kid, "");
  EXPECT_EQ(out.header.typ, "");
  ASSERT_EQ(parser.parse(token(R"({"alg":"HS256","kid":"a\"b\u00e9"})", "{}"), out), JwtError::none);
  EXPECT_EQ(out.header.kid, "a\"b\xc3\xa9");
}

TEST(JwtParser, EveryAlgorithmName) {
  for (const char* alg : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"}) {
    JwtParser parser;
    JwtToken out;
    ASSERT_EQ(parser.parse(token(test::header_json(alg), "{}"), out), JwtError::none) << alg;
    EXPECT_EQ(algorithm_name(out.header.alg), alg);
  }
}

TEST(JwtParser, RefusesNoneAndUnknownAlgorithms) {
  for (const char* alg : {"none", "None", "NONE", "nOnE", "", "hs256", "HS256 ", "PS256", "ES512", "RS1",
                          "ES256K", "Ed25519", "HS"}) {
    EXPECT_EQ(parse_header(test::header_json(alg)), JwtError::unsupported_algorithm) << alg;
  }
}

TEST(JwtParser, RefusesLongTokensBeforeDecoding) {
  const std::string at_limit(JwtParser::kDefaultMaxTokenSize, 'A');
  EXPECT_EQ(parse(at_limit), JwtError::malformed) << "at the limit it is parsed (and has no dots)";
  EXPECT_EQ(parse(at_limit + "A"), JwtError::too_large);
  EXPECT_EQ(parse(std::string(1 << 20, '.')), JwtError::too_large);
  JwtParser small(64);
  JwtToken out;
  EXPECT_EQ(small.parse(token(R"({"alg":"HS256"})", R"({"sub":"a-long-enough-subject-to-pass-64"})"), out),
            JwtError::too_large);
}

TEST(JwtParser, RefusesWrongPartCount) {
  const std::string h = b64url(R"({"alg":"HS256"})");
  for (const std::string& bad :
       {std::string(), std::string("."), std::string("..."), h, h + "." + h, h + "." + h + "." + h + "." + h,
        h + "." + h + "." + h + "." + h + "." + h}) {
    EXPECT_EQ(parse(bad), JwtError::malformed) << bad;
  }
  EXPECT_EQ(parse(".."), JwtError::bad_header) << "three empty parts: split, then an empty header";
}

TEST(JwtParser, RefusesMalformedBase64InEachPart) {
  const std::string h = b64url(R"({"alg":"HS256"})"), p = b64url(R"({"sub":"a"})"), s = b64url("signature");
  for (const char* junk : {"=", "==", "!", " ", "+", "/", "\n", "\x80"}) {
    EXPECT_EQ(parse(h + junk + "." + p + "." + s), JwtError::malformed) << "header " << junk;
    EXPECT_EQ(parse(h + "." + p + junk + "." + s), JwtError::malformed) << "payload " << junk;
    EXPECT_EQ(parse(h + "." + p + "." + s + junk), JwtError::malformed) << "signature " << junk;
  }
  EXPECT_EQ(parse(h + "." + p + "." + s + "=="), JwtError::malformed) << "padded signature";
}

TEST(JwtParser, EmptySignatureIsParsed) {
  // An empty signature parses (it is how alg "none" tokens look); it can never verify.
  JwtParser parser;
  JwtToken out;
  ASSERT_EQ(parser.parse(b64url(R"({"alg":"HS256"})") + "." + b64url("{}") + ".", out), JwtError::none);
  EXPECT_TRUE(out.signature.empty());
}

TEST(JwtParser, RefusesMalformedHeaders) {
  for (const char* bad : {"",
                          "{",
                          "[]",
                          "\"HS256\"",
                          "null",
                          "{}",
                          R"({"alg":256})",
                          R"({"alg":null})",
                          R"({"alg":["HS256"]})",
                          R"({"alg":"HS256","kid":7})",
                          R"({"alg":"HS256","typ":{}})",
                          R"({"alg":"HS256","alg":"HS256"})",
                          R"({"alg":"HS256","alg":"none"})",
                          R"({"alg":"HS256"} x)",
                          R"({"alg":"HS256"}{})",
                          R"({"alg":"HS256",})",
                          R"({'alg':'HS256'})",
                          R"({"alg":"HS256","crit":["exp"]})",
                          R"({"alg":"HS256","crit":[]})",
                          "{\"alg\":\"HS\xff\"}",
                          "\xef\xbb\xbf{\"alg\":\"HS256\"}"}) {
    EXPECT_EQ(parse_header(bad), JwtError::bad_header) << bad;
  }
}

TEST(JwtParser, IgnoresOtherHeaderMembersIncludingEmbeddedKeys) {
  // jwk/jku/x5u in the header are attacker-chosen keys: never used, just ignored.
  EXPECT_EQ(
      parse_header(
          R"({"alg":"RS256","jwk":{"kty":"oct","k":"AAAA"},"jku":"https://evil","x5u":"x","cty":"JWT"})"),
      JwtError::none);
}

JwtError claims_of(std::string_view json, JwtClaims& out) {
  static JwtParser parser;
  return parser.parse_claims(json, out);
}

TEST(JwtParser, ExtractsClaims) {
  JwtClaims c;
  ASSERT_EQ(
      claims_of(R"({"sub":"ann","iss":"https://issuer","aud":["a","b"],"exp":1700000100,"nbf":1699999000,
      "iat":1699999999.9,"channels":["news","chat:*"],"info":{ "name" : "Ann", "tags" : [1, 2.5, true, null] },
      "jti":"x","custom":{"deep":[[[]]]}})",
                c),
      JwtError::none);
  EXPECT_EQ(c.sub, "ann");
  EXPECT_EQ(c.iss, "https://issuer");
  EXPECT_EQ(c.aud, (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(c.exp, 1700000100);
  EXPECT_EQ(c.nbf, 1699999000);
  EXPECT_EQ(c.iat, 1699999999) << "fractions are dropped";
  EXPECT_EQ(c.channels, (std::vector<std::string_view>{"news", "chat:*"}));
  EXPECT_EQ(c.info, R"({"name":"Ann","tags":[1,2.5,true,null]})") << "compact JSON text";
  EXPECT_EQ(c.channel, std::nullopt);
}

TEST(JwtParser, AbsentClaimsAndReuse) {
  JwtClaims c;
  ASSERT_EQ(claims_of(R"({"sub":"a","aud":"one","channels":["x"],"info":{},"channel":"c"})", c),
            JwtError::none);
  EXPECT_EQ(c.aud, (std::vector<std::string_view>{"one"}));
  EXPECT_EQ(c.info, "{}");
  EXPECT_EQ(c.channel, "c");
  ASSERT_EQ(claims_of("{}", c), JwtError::none);
  EXPECT_EQ(c.sub, std::nullopt);
  EXPECT_EQ(c.iss, std::nullopt);
  EXPECT_TRUE(c.aud.empty());
  EXPECT_EQ(c.exp, std::nullopt);
  EXPECT_TRUE(c.channels.empty());
  EXPECT_EQ(c.info, "");
  EXPECT_EQ(c.channel, std::nullopt);
}

TEST(JwtParser, NumericDates) {
  JwtClaims c;
  ASSERT_EQ(claims_of(R"({"exp":-5.5})", c), JwtError::none);
  EXPECT_EQ(c.exp, -6);
  ASSERT_EQ(claims_of(R"({"exp":1e3})", c), JwtError::none);
  EXPECT_EQ(c.exp, 1000);
  ASSERT_EQ(claims_of(R"({"exp":1000000000000})", c), JwtError::none);
  for (const char* bad : {R"({"exp":1000000000001})", R"({"exp":1e20})", R"({"exp":18446744073709551615})",
                          R"({"exp":-1e13})", R"({"exp":"1700000000"})", R"({"nbf":true})", R"({"iat":null})",
                          R"({"exp":[1]})", R"({"exp":1e400})"}) {
    EXPECT_EQ(claims_of(bad, c), JwtError::bad_claims) << bad;
  }
}

TEST(JwtParser, RefusesMalformedClaims) {
  JwtClaims c;
  for (const char* bad : {"",
                          "[]",
                          "null",
                          "\"sub\"",
                          "{",
                          R"({"sub":"a",})",
                          R"({"sub":"a"} {})",
                          R"({"sub":"a","sub":"b"})",
                          R"({"x":1,"x":1})",
                          R"({"sub":1})",
                          R"({"sub":null})",
                          R"({"iss":["a"]})",
                          R"({"aud":1})",
                          R"({"aud":["a",1]})",
                          R"({"aud":[["a"]]})",
                          R"({"channels":"news"})",
                          R"({"channels":["a",null]})",
                          R"({"info":"text"})",
                          R"({"info":[1]})",
                          R"({"info":null})",
                          R"({"channel":["a"]})",
                          R"({"sub":"\x"})",
                          "{\"sub\":\"\xc3\"}",
                          R"({"custom":tru})",
                          R"({"custom":01})"}) {
    EXPECT_EQ(claims_of(bad, c), JwtError::bad_claims) << bad;
  }
}

TEST(JwtParser, ClaimsOfAParsedTokenNeedNoCopy) {
  JwtParser parser;
  JwtToken out;
  JwtClaims c;
  ASSERT_EQ(parser.parse(token(R"({"alg":"HS256"})", R"({"sub":"bob","channels":["a"]})"), out),
            JwtError::none);
  ASSERT_EQ(parser.parse_claims(out.payload, c), JwtError::none);
  EXPECT_EQ(c.sub, "bob");
  EXPECT_EQ(out.header.alg, Algorithm::HS256) << "header views survive the claims parse";
}

}  // namespace
}  // namespace wshub::auth
