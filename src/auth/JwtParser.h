#pragma once
// Sans-IO parser of compact JWS tokens (RFC 7515 §7.1): "header.payload.signature", each
// part base64url without padding. Bytes in, views out; no keys, no clock, no I/O, so it is
// fuzzed on its own and reused by one verifier per thread.
//
// parse() does everything that needs no key, cheapest first: the length limit (a 1 MiB
// token costs one comparison), the two dots, strict base64url of all three parts, then the
// header JSON. The claims JSON is parsed by parse_claims(), which the verifier calls only
// after the signature checked out, so unauthenticated bytes never reach the claims code.
//
// JSON is parsed with simdjson's DOM parser, which validates the whole document (the
// on-demand parser would leave unread values unchecked, and `info` is passed on to other
// clients). Duplicate member names are refused in the header and in the claims (RFC 7519
// §4 allows refusing; taking the first or the last would disagree with some issuer).
// Header members other than alg, kid, typ and crit are ignored: keys are never taken from
// the token (jwk, jku, x5u, x5c), and any "crit" is refused since no extension is known.
//
// Not thread-safe: one parser per thread; views stay valid until its next call.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "auth/JwtAlgorithm.h"
#include "auth/JwtError.h"

namespace wshub::auth {

struct JwtHeader {
  Algorithm alg = Algorithm::HS256;
  std::string_view kid;  // empty when absent
  std::string_view typ;  // not checked: issuers spell it "JWT", "jwt", "at+jwt", or omit it
};

struct JwtToken {
  JwtHeader header;
  std::string_view signing_input;  // "header.payload" exactly as in the token: what is signed
  std::string_view payload;        // the decoded claims JSON text, unparsed
  std::span<const uint8_t> signature;
};

// Registered claims (RFC 7519 §4.1) and wshub's own. Absent claims are empty/nullopt.
// Times are NumericDate seconds, fractions dropped (floor), within ±kMaxNumericDate.
struct JwtClaims {
  std::optional<std::string_view> sub;
  std::optional<std::string_view> iss;
  std::vector<std::string_view> aud;  // a string aud is a list of one
  std::optional<int64_t> exp, nbf, iat;
  std::vector<std::string_view> channels;   // `channels`: names or prefix* patterns
  std::string_view info;                    // `info`: a JSON object, re-serialised compactly
  std::optional<std::string_view> channel;  // `channel`: subscription tokens only
};

inline constexpr int64_t kMaxNumericDate = 1'000'000'000'000;  // year 33658: no overflow in sums

class JwtParser {
 public:
  static constexpr size_t kDefaultMaxTokenSize = 8 * 1024;

  explicit JwtParser(size_t max_token_size = kDefaultMaxTokenSize);
  ~JwtParser();
  JwtParser(const JwtParser&) = delete;
  JwtParser& operator=(const JwtParser&) = delete;

  // Errors: too_large, malformed, bad_header, unsupported_algorithm.
  JwtError parse(std::string_view token, JwtToken& out);

  // Parses claims JSON (normally JwtToken::payload). Errors: bad_claims.
  JwtError parse_claims(std::string_view json, JwtClaims& out);

 private:
  struct State;  // simdjson parsers and buffers, reused: no allocation once warm
  std::unique_ptr<State> state_;
  size_t max_token_size_;
};

}  // namespace wshub::auth
