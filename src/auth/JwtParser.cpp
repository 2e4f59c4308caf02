#include "auth/JwtParser.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "auth/Base64Url.h"

namespace wshub::auth {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct JwtParser::State {
  // Two parsers: the header's strings (kid, typ) must outlive the claims' parse.
  simdjson::dom::parser header_json;
  simdjson::dom::parser claims_json;
  // Decoded parts. JSON buffers carry SIMDJSON_PADDING spare bytes past the text.
  std::string header;
  std::string payload;
  std::string claims_copy;  // for parse_claims() on text that is not `payload`
  std::string signature;
  std::string info;
  std::vector<std::string_view> names;  // member names, for the duplicate check
};

namespace {

// Decodes base64url `text` into `buffer` followed by simdjson's padding; the decoded
// text is buffer[0, *size).
bool decode_padded(std::string_view text, std::string& buffer, size_t& size) {
  if (text.size() % 4 == 1) return false;
  size = base64url::decoded_size(text.size());
  buffer.resize(size + simdjson::SIMDJSON_PADDING);
  auto* bytes = reinterpret_cast<uint8_t*>(buffer.data());
  return base64url::decode(text, std::span<uint8_t>(bytes, size)).has_value();
}

bool has_duplicates(std::vector<std::string_view>& names) {
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

bool get_string(element value, std::optional<std::string_view>& out) {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) return false;
  out = text;
  return true;
}

bool get_string_list(element value, std::vector<std::string_view>& out) {
  simdjson::dom::array list;
  if (value.get(list) != simdjson::SUCCESS) return false;
  for (element item : list) {
    std::string_view text;
    if (item.get(text) != simdjson::SUCCESS) return false;
    out.push_back(text);
  }
  return true;
}

// RFC 7519 §2 NumericDate: seconds since the epoch, possibly fractional.
bool get_numeric_date(element value, std::optional<int64_t>& out) {
  switch (value.type()) {
    case element_type::INT64: {
      int64_t seconds = 0;
      if (value.get(seconds) != simdjson::SUCCESS || seconds > kMaxNumericDate ||
          seconds < -kMaxNumericDate) {
        return false;
      }
      out = seconds;
      return true;
    }
    case element_type::DOUBLE: {
      double seconds = 0;
      if (value.get(seconds) != simdjson::SUCCESS ||
          !(std::fabs(seconds) <= static_cast<double>(kMaxNumericDate))) {
        return false;
      }
      out = static_cast<int64_t>(std::floor(seconds));
      return true;
    }
    default:  // UINT64 is above INT64_MAX: out of range too
      return false;
  }
}

}  // namespace

JwtParser::JwtParser(size_t max_token_size)
    : state_(std::make_unique<State>()), max_token_size_(max_token_size) {}

JwtParser::~JwtParser() = default;

JwtError JwtParser::parse(std::string_view token, JwtToken& out) {
  if (token.size() > max_token_size_) return JwtError::too_large;
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return JwtError::malformed;
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return JwtError::malformed;  // also JWE's five parts
  }
  const std::string_view header_text = token.substr(0, dot1);
  const std::string_view payload_text = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_text = token.substr(dot2 + 1);

  State& s = *state_;
  size_t header_size = 0, payload_size = 0;
  if (!decode_padded(header_text, s.header, header_size) ||
      !decode_padded(payload_text, s.payload, payload_size) ||
      !base64url::decode(signature_text, s.signature, max_token_size_)) {
    return JwtError::malformed;
  }

  element root;
  simdjson::dom::object header;
  if (s.header_json.parse(s.header.data(), header_size, false).get(root) != simdjson::SUCCESS ||
      root.get(header) != simdjson::SUCCESS) {
    return JwtError::bad_header;
  }
  out.header = JwtHeader{};
  std::optional<std::string_view> alg, kid, typ;
  s.names.clear();
  for (simdjson::dom::key_value_pair member : header) {
    s.names.push_back(member.key);
    if (member.key == "alg") {
      if (!get_string(member.value, alg)) return JwtError::bad_header;
    } else if (member.key == "kid") {
      if (!get_string(member.value, kid)) return JwtError::bad_header;
    } else if (member.key == "typ") {
      if (!get_string(member.value, typ)) return JwtError::bad_header;
    } else if (member.key == "crit") {
      return JwtError::bad_header;  // RFC 7515 §4.1.11: extensions we do not understand
    }
  }
  if (has_duplicates(s.names) || !alg) return JwtError::bad_header;
  std::optional<Algorithm> algorithm = parse_algorithm(*alg);
  if (!algorithm) return JwtError::unsupported_algorithm;

  out.header.alg = *algorithm;
  out.header.kid = kid.value_or(std::string_view());
  out.header.typ = typ.value_or(std::string_view());
  out.signing_input = token.substr(0, dot2);
  out.payload = std::string_view(s.payload.data(), payload_size);
  out.signature =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.signature.data()), s.signature.size());
  return JwtError::none;
}

JwtError JwtParser::parse_claims(std::string_view json, JwtClaims& out) {
  State& s = *state_;
  out.sub.reset();
  out.iss.reset();
  out.aud.clear();
  out.exp.reset();
  out.nbf.reset();
  out.iat.reset();
  out.channels.clear();
  out.info = std::string_view();
  out.channel.reset();

  // The payload decoded by parse() already has simdjson's padding; other text is copied.
  const char* text = json.data();
  if (json.data() != s.payload.data() || json.size() + simdjson::SIMDJSON_PADDING > s.payload.size()) {
    s.claims_copy.assign(json);
    s.claims_copy.resize(json.size() + simdjson::SIMDJSON_PADDING);
    text = s.claims_copy.data();
  }
  element root;
  simdjson::dom::object claims;
  if (s.claims_json.parse(text, json.size(), false).get(root) != simdjson::SUCCESS ||
      root.get(claims) != simdjson::SUCCESS) {
    return JwtError::bad_claims;
  }
  s.names.clear();
  for (simdjson::dom::key_value_pair member : claims) {
    const std::string_view name = member.key;
    const element value = member.value;
    s.names.push_back(name);
    bool ok = true;
    if (name == "sub") {
      ok = get_string(value, out.sub);
    } else if (name == "iss") {
      ok = get_string(value, out.iss);
    } else if (name == "aud") {
      // RFC 7519 §4.1.3: one string, or an array of strings.
      std::optional<std::string_view> one;
      if (get_string(value, one)) {
        out.aud.push_back(*one);
      } else {
        ok = get_string_list(value, out.aud);
      }
    } else if (name == "exp") {
      ok = get_numeric_date(value, out.exp);
    } else if (name == "nbf") {
      ok = get_numeric_date(value, out.nbf);
    } else if (name == "iat") {
      ok = get_numeric_date(value, out.iat);
    } else if (name == "channels") {
      ok = get_string_list(value, out.channels);
    } else if (name == "channel") {
      ok = get_string(value, out.channel);
    } else if (name == "info") {
      ok = value.is_object();
      if (ok) {
        s.info = simdjson::minify(value);
        out.info = s.info;
      }
    }
    if (!ok) return JwtError::bad_claims;
  }
  if (has_duplicates(s.names)) return JwtError::bad_claims;
  return JwtError::none;
}

}  // namespace wshub::auth
